#include "platform/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace platform::metrics {
namespace {

void add_atomic(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
  } else {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
  }
}

void append_label_value(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\')
      out.append("\\\\");
    else if (c == '"')
      out.append("\\\"");
    else if (c == '\n')
      out.append("\\n");
    else
      out.push_back(c);
  }
}

std::string render_labels(const Labels& labels, const std::string& extra_name = {},
                          const std::string& extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out.append(name).append("=\"");
    append_label_value(out, value);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out.push_back(',');
    out.append(extra_name).append("=\"").append(extra_value).push_back('"');
  }
  out.push_back('}');
  return out;
}

}  // namespace

void Counter::inc(double amount) {
  if (amount < 0) return;  // counters only go up
  add_atomic(value_, amount);
}

void Gauge::inc(double amount) {
  add_atomic(value_, amount);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<std::uint64_t>[upper_bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < upper_bounds_.size() && value > upper_bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  add_atomic(sum_, value);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> counts(upper_bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    counts[i] = running;
  }
  return counts;
}

std::uint64_t next_series_owner() {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

SeriesKey::SeriesKey(std::initializer_list<std::string_view> values) {
  std::size_t size = values.size() == 0 ? 0 : values.size() - 1;
  for (const auto value : values) size += value.size();
  char* out = inline_.data();
  if (size > inline_.size()) {
    overflow_.resize(size);
    out = overflow_.data();
  }
  data_ = out;
  size_ = size;
  bool first = true;
  for (const auto value : values) {
    if (!first) *out++ = '\0';
    first = false;
    if (!value.empty()) out = std::copy(value.begin(), value.end(), out);
  }
}

IntegerText::IntegerText(std::int64_t value) {
  // 20 characters hold every int64, so the conversion cannot run out of room.
  size_ = static_cast<std::size_t>(
      std::to_chars(digits_.data(), digits_.data() + digits_.size(), value).ptr - digits_.data());
}

std::vector<double> default_duration_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Series& Registry::series(const std::string& name, const std::string& help, Type type,
                                   const Labels& labels) {
  auto [family_it, inserted] = families_.try_emplace(name, Family{help, type, {}});
  if (!inserted && family_it->second.type != type)
    throw std::logic_error("metric " + name + " registered with two types");
  auto [series_it, created] = family_it->second.series.try_emplace(render_labels(labels));
  if (created) series_it->second.labels = labels;
  return series_it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(name, help, Type::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(name, help, Type::kGauge, labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const Labels& labels, const std::vector<double>& upper_bounds) {
  std::lock_guard lock(mutex_);
  Series& s = series(name, help, Type::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(upper_bounds);
  return *s.histogram;
}

void Registry::callback_gauge(const std::string& name, const std::string& help,
                              const Labels& labels, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  series(name, help, Type::kGauge, labels).read = std::move(read);
}

void Registry::callback_counter(const std::string& name, const std::string& help,
                                const Labels& labels, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  series(name, help, Type::kCounter, labels).read = std::move(read);
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(4096);
  for (const auto& [name, family] : families_) {
    out.append("# HELP ").append(name).push_back(' ');
    out.append(family.help).push_back('\n');
    out.append("# TYPE ").append(name).push_back(' ');
    out.append(family.type == Type::kCounter ? "counter"
               : family.type == Type::kGauge ? "gauge"
                                             : "histogram")
        .push_back('\n');
    for (const auto& [label_text, series] : family.series) {
      if (series.histogram) {
        const Histogram& histogram = *series.histogram;
        const auto counts = histogram.cumulative_counts();
        for (std::size_t i = 0; i < counts.size(); ++i) {
          std::string bound;
          append_number(bound, i < histogram.upper_bounds().size()
                                   ? histogram.upper_bounds()[i]
                                   : std::numeric_limits<double>::infinity());
          out.append(name).append("_bucket").append(render_labels(series.labels, "le", bound));
          out.push_back(' ');
          out.append(std::to_string(counts[i])).push_back('\n');
        }
        out.append(name).append("_sum").append(label_text).push_back(' ');
        append_number(out, histogram.sum());
        out.push_back('\n');
        out.append(name).append("_count").append(label_text).push_back(' ');
        out.append(std::to_string(histogram.count())).push_back('\n');
        continue;
      }
      out.append(name).append(label_text).push_back(' ');
      if (series.counter)
        append_number(out, series.counter->value());
      else if (series.gauge)
        append_number(out, series.gauge->value());
      else if (series.read)
        append_number(out, series.read());
      else
        out.append("0");
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace platform::metrics
