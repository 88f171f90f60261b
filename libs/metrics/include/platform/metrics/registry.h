// Metrics in the Prometheus text exposition format (version 0.0.4).
//
//   Registry registry;
//   Counter& requests = registry.counter("http_requests_total", "HTTP requests served.",
//                                        {{"method", "GET"}, {"route", "/subjects/{id}"}});
//   requests.inc();
//   registry.histogram("http_request_duration_seconds", "Time to answer.", {...}).observe(0.0012);
//   std::string text = registry.render();
//
// A metric with a given name and label set is created once and lives as long as the
// registry: keep the reference for hot paths. Counters, gauges and histograms are
// lock-free to update.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace platform::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1.0);
  void dec(double amount = 1.0) { inc(-amount); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // Cumulative count of observations <= upper_bounds()[i]; the last entry is +Inf.
  std::vector<std::uint64_t> cumulative_counts() const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// Buckets for request durations in seconds: 0.5 ms to 10 s.
std::vector<double> default_duration_buckets();

// The key of a series kept at hand by its label values (a server's per-route counters, a
// client's per-peer histograms), built on the stack: looking a kept series up on a hot path
// allocates nothing. The values are joined by '\0', which no label value contains.
//
//   SeriesCache<Counter*> counters;
//   const SeriesKey key{route, method, status};
//   if (auto found = counters.find(key.view()); found != counters.end()) ...
//   counters.emplace(key.text(), &registry.counter(...));
class SeriesKey {
 public:
  SeriesKey(std::initializer_list<std::string_view> values);
  SeriesKey(const SeriesKey&) = delete;  // its view points into itself
  SeriesKey& operator=(const SeriesKey&) = delete;
  std::string_view view() const { return {data_, size_}; }
  std::string text() const { return std::string(view()); }

 private:
  std::array<char, 192> inline_;
  std::string overflow_;  // only for keys longer than inline_
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// An integer written in decimal on the stack, any int64 fitting: a label value such as a
// status code, for a SeriesKey.
class IntegerText {
 public:
  explicit IntegerText(std::int64_t value);
  std::string_view view() const { return {digits_.data(), size_}; }

 private:
  std::array<char, 20> digits_;  // "-9223372036854775808"
  std::size_t size_ = 0;
};

// Not noexcept on purpose: libstdc++ keeps each node's hash only for a hash that may throw,
// which spares rehashing the keys when the map grows.
struct SeriesKeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};
template <typename Value>
using SeriesCache = std::unordered_map<std::string, Value, SeriesKeyHash, std::equal_to<>>;

// A number that tells apart the owners of kept series (a server's access log, a client),
// never given twice in a process: a RecentSeries entry of an owner that is gone, whose
// registry may be gone too, can never be taken for a new owner's at the same address.
std::uint64_t next_series_owner();

// The last few series one call site used on this thread, by their label values. Under load
// nearly every request has the labels of one just before it (the same route and status), so
// it finds its series here without building a key, hashing it or taking a lock; a miss
// looks in the site's SeriesCache as before and keeps what it found. Declared thread_local
// at the call site, it needs no lock. LabelCount is how many label values make the key;
// Ways, how many series it keeps.
//
//   thread_local RecentSeries<Counter*, 3> recent;
//   if (Counter* const* kept = recent.find(owner_, {method, route, status})) return **kept;
//   ... found in the SeriesCache or created ...
//   recent.keep(owner_, {method, route, status}, &counter);
template <typename Value, std::size_t LabelCount, std::size_t Ways = 4>
class RecentSeries {
 public:
  using LabelValues = std::array<std::string_view, LabelCount>;

  const Value* find(std::uint64_t owner, const LabelValues& labels) const {
    for (const auto& entry : entries_) {
      if (entry.owner == owner && same_labels(entry, labels)) return &entry.value;
    }
    return nullptr;
  }
  // Replaces the entry kept longest ago.
  void keep(std::uint64_t owner, const LabelValues& labels, Value value) {
    Entry& entry = entries_[next_];
    next_ = (next_ + 1) % Ways;
    entry.owner = owner;
    for (std::size_t i = 0; i < LabelCount; ++i) entry.labels[i].assign(labels[i]);
    entry.value = std::move(value);
  }

 private:
  struct Entry {
    std::uint64_t owner = 0;  // no owner is 0
    std::array<std::string, LabelCount> labels;
    Value value{};
  };
  static bool same_labels(const Entry& entry, const LabelValues& labels) {
    for (std::size_t i = 0; i < LabelCount; ++i) {
      if (entry.labels[i] != labels[i]) return false;
    }
    return true;
  }

  std::array<Entry, Ways> entries_{};
  std::size_t next_ = 0;
};

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       const std::vector<double>& upper_bounds = default_duration_buckets());
  // A gauge whose value is read when rendering (pool sizes, backlog, uptime).
  void callback_gauge(const std::string& name, const std::string& help, const Labels& labels,
                      std::function<double()> read);
  // A counter kept elsewhere (a library's own tally), read when rendering; `read` must
  // never go down.
  void callback_counter(const std::string& name, const std::string& help, const Labels& labels,
                        std::function<double()> read);

  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  struct Family {
    std::string help;
    Type type;
    std::map<std::string, Series> series;  // keyed by rendered label set
  };
  Series& series(const std::string& name, const std::string& help, Type type, const Labels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

}  // namespace platform::metrics
