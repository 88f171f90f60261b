#include "platform/resilience/circuit_breaker.h"

#include <algorithm>
#include <utility>

namespace platform::resilience {

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, OnTransition on_transition,
                               ClockFunction clock)
    : options_(options),
      on_transition_(std::move(on_transition)),
      clock_(std::move(clock)),
      buckets_(kBuckets) {
  options_.half_open_probes = std::max<std::size_t>(1, options_.half_open_probes);
  options_.minimum_calls = std::max<std::size_t>(1, options_.minimum_calls);
  options_.window = std::max(options_.window, std::chrono::milliseconds(kBuckets));
}

std::int64_t CircuitBreaker::slot_of(Clock::time_point now) const {
  const auto slice = options_.window / static_cast<std::int64_t>(kBuckets);
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) / slice;
}

void CircuitBreaker::count(Clock::time_point now, bool failure) {
  const auto slot = slot_of(now);
  Bucket& bucket = buckets_[static_cast<std::size_t>(slot) % kBuckets];
  if (bucket.slot != slot) bucket = Bucket{.slot = slot};
  ++bucket.calls;
  if (failure) ++bucket.failures;
}

void CircuitBreaker::reset_window() {
  std::fill(buckets_.begin(), buckets_.end(), Bucket{});
}

std::optional<std::pair<BreakerState, BreakerState>> CircuitBreaker::move_to(
    BreakerState to, Clock::time_point now) {
  if (state_ == to) return std::nullopt;
  const BreakerState from = state_;
  state_ = to;
  probes_out_ = 0;
  probe_successes_ = 0;
  if (to == BreakerState::kOpen) opened_at_ = now;
  if (to == BreakerState::kClosed) reset_window();
  return std::pair{from, to};
}

void CircuitBreaker::report(std::optional<std::pair<BreakerState, BreakerState>> transition) const {
  if (transition && on_transition_) on_transition_(transition->first, transition->second);
}

std::optional<CircuitBreaker::Permit> CircuitBreaker::try_acquire() {
  std::optional<std::pair<BreakerState, BreakerState>> transition;
  std::optional<Permit> permit;
  {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    if (state_ == BreakerState::kOpen && now - opened_at_ >= options_.open_duration) {
      transition = move_to(BreakerState::kHalfOpen, now);
    }
    if (state_ == BreakerState::kClosed) {
      permit = Permit{};
    } else if (state_ == BreakerState::kHalfOpen &&
               probes_out_ + probe_successes_ < options_.half_open_probes) {
      ++probes_out_;
      permit = Permit{.probe = true};
    }
  }
  report(transition);
  return permit;
}

void CircuitBreaker::record(const Permit& permit, CallResult result) {
  std::optional<std::pair<BreakerState, BreakerState>> transition;
  {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    if (permit.probe) {
      // A probe's answer matters only to the half-open state that granted it.
      if (state_ == BreakerState::kHalfOpen) {
        if (probes_out_ > 0) --probes_out_;
        if (result == CallResult::kFailure) {
          transition = move_to(BreakerState::kOpen, now);
        } else if (result == CallResult::kSuccess &&
                   ++probe_successes_ >= options_.half_open_probes) {
          transition = move_to(BreakerState::kClosed, now);
        }
      }
    } else if (state_ == BreakerState::kClosed && result != CallResult::kIgnored) {
      count(now, result == CallResult::kFailure);
      const auto oldest = slot_of(now) - static_cast<std::int64_t>(kBuckets) + 1;
      std::uint64_t calls = 0;
      std::uint64_t failures = 0;
      for (const Bucket& bucket : buckets_) {
        if (bucket.slot < oldest) continue;
        calls += bucket.calls;
        failures += bucket.failures;
      }
      if (calls >= options_.minimum_calls &&
          static_cast<double>(failures) >= options_.failure_rate * static_cast<double>(calls)) {
        transition = move_to(BreakerState::kOpen, now);
      }
    }
  }
  report(transition);
}

BreakerState CircuitBreaker::state() const {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  if (state_ == BreakerState::kOpen && now - opened_at_ >= options_.open_duration) {
    return BreakerState::kHalfOpen;  // the next call makes it so
  }
  return state_;
}

std::chrono::milliseconds CircuitBreaker::retry_after() const {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  if (state_ == BreakerState::kHalfOpen) return std::chrono::milliseconds(1);
  if (state_ != BreakerState::kOpen) return std::chrono::milliseconds(0);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      opened_at_ + options_.open_duration - now);
  return std::max(left, std::chrono::milliseconds(1));
}

}  // namespace platform::resilience
