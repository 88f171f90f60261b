// The Redis limiter: a queue, one thread, one pipelined connection (redis_limiter.h).
#include "platform/ratelimit/redis_limiter.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "decision_counters.h"
#include "gcra.h"
#include "memory_buckets.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"
#include "redis_link.h"

namespace platform::ratelimit {
namespace {

using internal::GcraParameters;
using internal::LinkReply;

// gcra_step (gcra.h) in Lua, on the Redis server's clock. KEYS[1]: the bucket;
// ARGV[1]: the emission interval in µs; ARGV[2]: the burst. Returns {allowed (0|1),
// remaining, reset µs, retry_after µs}. Numbers stay below 2^53, exact in Lua's doubles.
// replicate_commands: Redis before 5 would otherwise refuse a write after TIME (Redis 7
// always replicates a script's effects; the call is a no-op there).
constexpr std::string_view kGcraScript = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local capacity = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local used = tat - now + interval
if used <= capacity then
  redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.ceil(used / 1000))
  return {1, math.floor((capacity - used) / interval), used, 0}
end
return {0, 0, used - capacity, used - capacity}
)lua";

// Error replies that mean the connection as a whole cannot serve: drop it and reconnect.
bool is_connection_error(std::string_view message) {
  for (const std::string_view prefix :
       {"LOADING", "NOAUTH", "WRONGPASS", "MASTERDOWN", "READONLY", "NOPERM"})
    if (message.substr(0, prefix.size()) == prefix) return true;
  return false;
}

struct Pending {
  Policy policy;
  std::string key;
  std::function<void(Decision)> done;
  Clock::time_point enqueued;
};

class RedisLimiter final : public Limiter {
 public:
  RedisLimiter(RedisLimiterOptions options, internal::RedisEndpoint endpoint,
               metrics::Registry* metrics, logging::Logger* log)
      : options_(std::move(options)),
        own_metrics_(metrics ? nullptr : std::make_unique<metrics::Registry>()),
        metrics_(metrics ? *metrics : *own_metrics_),
        log_(log),
        failures_(metrics_.counter(
            "ratelimit_backend_failures_total",
            "Rate limit decisions the fail mode answered because Redis could not.")),
        backend_up_(metrics_.gauge("ratelimit_backend_up",
                                   "1 while the rate limiter's Redis answers, else 0.")),
        counters_(metrics_),
        local_(options_.local,
               &metrics_.counter("ratelimit_evicted_keys_total",
                                 "Rate limit buckets forgotten before they were full "
                                 "(the key cap was reached).")),
        link_(std::move(endpoint), options_.connect_timeout, options_.timeout),
        script_sha_(internal::sha1_hex(kGcraScript)) {
    connect();
    thread_ = std::thread([this] { run(); });
  }

  ~RedisLimiter() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    // What the thread left: answered too, so that every `done` runs exactly once.
    for (auto& pending : queue_)
      call([&] { answer_failed(pending.policy, pending.key, pending.done, false); });
  }

  void decide(const Policy& policy, std::string_view key,
              std::function<void(Decision)> done) override {
    if (up_.load(std::memory_order_acquire)) {
      std::unique_lock lock(mutex_);
      if (!stopping_ && queue_.size() < options_.max_pending) {
        const bool was_empty = queue_.empty();
        queue_.push_back({policy, std::string(key), std::move(done), Clock::now()});
        lock.unlock();
        if (was_empty) wake_.notify_one();
        return;
      }
    }
    // Down, or so far behind that the queue is full: the fail mode answers at once.
    answer_failed(policy, key, done, true);
  }

 private:
  enum class State { kUnknown, kUp, kDown };

  // --- answers -----------------------------------------------------------------------

  Decision fail_decision(const Policy& policy, std::string_view key) {
    const GcraParameters parameters = GcraParameters::of(policy);
    Decision decision;
    switch (options_.fail_mode) {
      case FailMode::kOpen:
        decision.allowed = true;
        decision.limit = internal::to_u32(parameters.burst);
        decision.remaining = decision.limit;  // unknown: nothing was counted
        decision.source = Source::kFailOpen;
        break;
      case FailMode::kClosed:
        decision.allowed = false;
        decision.limit = internal::to_u32(parameters.burst);
        decision.retry_after = std::max<std::chrono::milliseconds>(std::chrono::seconds(1),
                                                                   options_.reconnect_interval);
        decision.reset = decision.retry_after;
        decision.source = Source::kFailClosed;
        break;
      case FailMode::kLocal: {
        Policy local = policy;
        const std::uint32_t replicas = std::max<std::uint32_t>(options_.replicas, 1);
        local.rate_per_second = policy.rate_per_second / replicas;
        local.burst = std::max<std::uint32_t>(1, policy.burst / replicas);
        decision = local_.take(local, key, Source::kLocal);
        break;
      }
    }
    decision.backend_failed = true;
    return decision;
  }

  void answer_failed(const Policy& policy, std::string_view key,
                     const std::function<void(Decision)>& done, bool count_failure) {
    const Decision decision = fail_decision(policy, key);
    if (count_failure) {
      failures_.inc();
      outage_failures_.fetch_add(1, std::memory_order_relaxed);
    }
    counters_.count(policy.name, decision.allowed);
    done(decision);
  }

  // On the limiter's thread: a callback that throws must not end the thread.
  void call(const std::function<void()>& answer) {
    try {
      answer();
    } catch (const std::exception& error) {
      if (log_) log_->error("rate limit callback threw", {{"error", error.what()}});
    } catch (...) {
      if (log_) log_->error("rate limit callback threw", {});
    }
  }

  // --- connection state (the limiter's thread, and the constructor) -----------------

  void connect() {
    next_attempt_ = Clock::now() + options_.reconnect_interval;
    if (auto connected = link_.connect(); connected) {
      mark_up();
    } else {
      mark_down(connected.error().log_detail());
    }
  }

  void mark_up() {
    if (state_ == State::kUp) return;
    const State before = state_;
    state_ = State::kUp;
    error_logged_ = false;
    backend_up_.set(1);
    up_.store(true, std::memory_order_release);
    if (!log_) return;
    if (before == State::kUnknown) {
      log_->info("rate limiter backend connected",
                 {{"backend", link_.address()}, {"fail_mode", to_string(options_.fail_mode)}});
      return;
    }
    const auto outage =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - down_since_);
    log_->info("rate limiter backend available again, decisions shared",
               {{"backend", link_.address()},
                {"outage_ms", outage.count()},
                {"fail_mode_decisions", outage_failures_.load(std::memory_order_relaxed)}});
  }

  void mark_down(const std::string& why) {
    link_.close();
    if (state_ == State::kDown) return;
    state_ = State::kDown;
    up_.store(false, std::memory_order_release);
    backend_up_.set(0);
    down_since_ = Clock::now();
    outage_failures_.store(0, std::memory_order_relaxed);
    if (log_) {
      log_->warn("rate limiter backend unavailable, fail mode answers",
                 {{"backend", link_.address()},
                  {"fail_mode", to_string(options_.fail_mode)},
                  {"error", why}});
    }
  }

  // --- the thread --------------------------------------------------------------------

  void run() {
    std::vector<Pending> batch;
    batch.reserve(options_.max_batch);
    while (true) {
      {
        std::unique_lock lock(mutex_);
        const auto ready = [&] { return stopping_ || !queue_.empty(); };
        if (link_.connected())
          wake_.wait(lock, ready);
        else
          wake_.wait_until(lock, next_attempt_, ready);
        if (stopping_) return;
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      if (!link_.connected() && Clock::now() >= next_attempt_) connect();
      if (link_.connected()) {
        run_batch(batch);
      } else {
        for (auto& pending : batch)
          call([&] { answer_failed(pending.policy, pending.key, pending.done, true); });
      }
      batch.clear();
    }
  }

  std::vector<std::string> script_command(const char* verb, const std::string& script,
                                          const Pending& pending) const {
    const GcraParameters parameters = GcraParameters::of(pending.policy);
    std::string bucket;
    bucket.reserve(options_.key_prefix.size() + pending.policy.name.size() + 1 +
                   pending.key.size());
    bucket.append(options_.key_prefix).append(pending.policy.name).append(":").append(pending.key);
    return {verb,
            script,
            "1",
            std::move(bucket),
            std::to_string(parameters.interval_us),
            std::to_string(parameters.burst)};
  }

  // Pipelines the scripts of every request still within its timeout, answers all in order.
  void run_batch(std::vector<Pending>& batch) {
    const auto now = Clock::now();
    std::vector<std::optional<Decision>> answers(batch.size());
    std::vector<std::size_t> sent;  // indexes into batch, in command order
    std::vector<std::vector<std::string>> commands;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (now - batch[i].enqueued > options_.timeout) continue;  // waited too long already
      sent.push_back(i);
      commands.push_back(script_command("EVALSHA", script_sha_, batch[i]));
    }

    std::optional<std::string> trouble;  // why the connection must go
    if (!commands.empty()) {
      auto replies = link_.pipeline(commands);
      if (!replies) {
        trouble = replies.error().log_detail();
      } else {
        // NOSCRIPT: Redis does not know the script yet (first use, restart, SCRIPT
        // FLUSH): those requests again with the whole source, one more round trip.
        std::vector<std::size_t> retry;
        std::vector<std::vector<std::string>> retry_commands;
        const std::string source(kGcraScript);
        for (std::size_t k = 0; k < replies->size(); ++k) {
          const LinkReply& reply = (*replies)[k];
          if (reply.kind == LinkReply::Kind::kError && reply.text.starts_with("NOSCRIPT")) {
            retry.push_back(sent[k]);
            retry_commands.push_back(script_command("EVAL", source, batch[sent[k]]));
            continue;
          }
          read_reply(reply, batch[sent[k]], answers[sent[k]], trouble);
        }
        if (!retry_commands.empty()) {
          auto retried = link_.pipeline(retry_commands);
          if (!retried) {
            trouble = retried.error().log_detail();
          } else {
            for (std::size_t k = 0; k < retried->size(); ++k)
              read_reply((*retried)[k], batch[retry[k]], answers[retry[k]], trouble);
          }
        }
      }
    }
    if (trouble) mark_down(*trouble);

    for (std::size_t i = 0; i < batch.size(); ++i) {
      Pending& pending = batch[i];
      if (answers[i]) {
        call([&] {
          counters_.count(pending.policy.name, answers[i]->allowed);
          pending.done(*answers[i]);
        });
      } else {
        call([&] { answer_failed(pending.policy, pending.key, pending.done, true); });
      }
    }
  }

  // The script's reply as a decision; an error reply leaves `answer` empty (the fail mode
  // answers), and one that concerns the whole connection sets `trouble`.
  void read_reply(const LinkReply& reply, const Pending& pending, std::optional<Decision>& answer,
                  std::optional<std::string>& trouble) {
    if (reply.kind == LinkReply::Kind::kIntegers && reply.integers.size() == 4) {
      const GcraParameters parameters = GcraParameters::of(pending.policy);
      internal::GcraStep step;
      step.allowed = reply.integers[0] == 1;
      step.remaining = reply.integers[1];
      step.reset_us = reply.integers[2];
      step.retry_after_us = reply.integers[3];
      answer = internal::to_decision(step, parameters, Source::kRedis);
      return;
    }
    if (reply.kind == LinkReply::Kind::kError && is_connection_error(reply.text)) {
      trouble = "redis " + link_.address() + ": " + reply.text;
    } else if (log_ && !error_logged_) {
      // Not the connection: a script error, OOM, a key of another type. Logged once, the
      // metric counts every one.
      error_logged_ = true;
      log_->error(
          "rate limiter script failed, fail mode answers",
          {{"backend", link_.address()},
           {"error", reply.kind == LinkReply::Kind::kError ? reply.text : "unexpected reply"}});
    }
  }

  const RedisLimiterOptions options_;
  std::unique_ptr<metrics::Registry> own_metrics_;
  metrics::Registry& metrics_;
  logging::Logger* log_;
  metrics::Counter& failures_;
  metrics::Gauge& backend_up_;
  internal::DecisionCounters counters_;
  internal::MemoryBuckets local_;

  std::atomic<bool> up_{false};
  std::atomic<std::uint64_t> outage_failures_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;

  // The limiter's thread only (and the constructor, before it starts).
  internal::RedisLink link_;
  const std::string script_sha_;
  State state_ = State::kUnknown;
  Clock::time_point next_attempt_{};
  Clock::time_point down_since_{};
  bool error_logged_ = false;

  std::thread thread_;
};

}  // namespace

std::string_view to_string(FailMode mode) {
  switch (mode) {
    case FailMode::kOpen:
      return "open";
    case FailMode::kClosed:
      return "closed";
    case FailMode::kLocal:
      return "local";
  }
  return "unknown";
}

std::optional<FailMode> parse_fail_mode(std::string_view text) {
  if (text == "open") return FailMode::kOpen;
  if (text == "closed") return FailMode::kClosed;
  if (text == "local") return FailMode::kLocal;
  return std::nullopt;
}

core::Result<std::unique_ptr<Limiter>> make_redis_limiter(RedisLimiterOptions options,
                                                          metrics::Registry* metrics,
                                                          logging::Logger* log) {
  auto endpoint = internal::parse_redis_url(options.url);
  if (!endpoint) return std::move(endpoint).error();
  std::vector<core::FieldError> errors;
  if (options.timeout.count() <= 0) errors.push_back({"timeout", "must be positive"});
  if (options.connect_timeout.count() <= 0)
    errors.push_back({"connect_timeout", "must be positive"});
  if (options.reconnect_interval.count() <= 0)
    errors.push_back({"reconnect_interval", "must be positive"});
  if (options.max_batch == 0) errors.push_back({"max_batch", "must be at least 1"});
  if (options.max_pending == 0) errors.push_back({"max_pending", "must be at least 1"});
  if (options.replicas == 0) errors.push_back({"replicas", "must be at least 1"});
  if (!errors.empty()) return core::Error::invalid_fields(std::move(errors));
  return std::unique_ptr<Limiter>(
      std::make_unique<RedisLimiter>(std::move(options), std::move(*endpoint), metrics, log));
}

}  // namespace platform::ratelimit
