#include "platform/resilience/retry.h"

#include <algorithm>
#include <utility>

namespace platform::resilience {

Backoff::Backoff(BackoffOptions options)
    : options_(options), random_(static_cast<std::uint32_t>(std::random_device{}())) {}

std::chrono::milliseconds Backoff::ceiling(int retry) const {
  const int shift = std::clamp(retry, 0, 30);
  const auto bound = options_.base.count() * (std::int64_t{1} << shift);
  return std::min(std::chrono::milliseconds(bound), options_.cap);
}

std::chrono::milliseconds Backoff::delay(int retry) {
  const auto bound = ceiling(retry).count();
  std::lock_guard lock(mutex_);
  std::uniform_int_distribution<std::int64_t> uniform(0, std::max<std::int64_t>(0, bound));
  return std::chrono::milliseconds(uniform(random_));
}

RetryBudget::RetryBudget(RetryBudgetOptions options, ClockFunction clock)
    : options_(options),
      clock_(std::move(clock)),
      buckets_(static_cast<std::size_t>(std::max<std::int64_t>(1, options.window.count()))) {}

RetryBudget::Bucket& RetryBudget::bucket(std::int64_t second) {
  Bucket& slot = buckets_[static_cast<std::size_t>(second) % buckets_.size()];
  if (slot.second != second) slot = Bucket{.second = second};
  return slot;
}

void RetryBudget::on_call() {
  const auto second =
      std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  ++bucket(second).calls;
}

bool RetryBudget::try_withdraw() {
  const auto second =
      std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  const auto oldest = second - static_cast<std::int64_t>(buckets_.size()) + 1;
  double calls = 0;
  double retries = 0;
  for (const Bucket& slot : buckets_) {
    if (slot.second < oldest) continue;
    calls += slot.calls;
    retries += slot.retries;
  }
  const double allowed =
      options_.ratio * calls + options_.min_per_second * static_cast<double>(buckets_.size());
  if (retries + 1 > allowed) return false;
  ++bucket(second).retries;
  return true;
}

}  // namespace platform::resilience
