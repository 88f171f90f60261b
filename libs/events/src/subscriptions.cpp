// Subscriptions: a list of consumers sharing options, started, stopped and checked together.
#include "platform/events/subscriptions.h"

#include <mutex>

namespace platform::events {

struct Subscriptions::Impl {
  db::Database& database;
  ConsumerOptions shared;
  logging::Logger& logger;
  metrics::Registry& registry;
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Consumer>> consumers;  // in subscription order
  bool started = false;
};

Subscriptions::Subscriptions(db::Database& database, ConsumerOptions shared,
                             logging::Logger& logger, metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(database, std::move(shared), logger, registry)) {}

Subscriptions::~Subscriptions() {
  stop();
}

Consumer& Subscriptions::subscribe(const std::string& stream, const std::string& group) {
  std::lock_guard lock(impl_->mutex);
  const std::string& wanted_group = group.empty() ? impl_->shared.group : group;
  for (const auto& consumer : impl_->consumers)
    if (consumer->options().stream == stream && consumer->options().group == wanted_group)
      return *consumer;
  ConsumerOptions options = impl_->shared;
  options.stream = stream;
  options.group = wanted_group;
  impl_->consumers.push_back(std::make_unique<Consumer>(impl_->database, std::move(options),
                                                        impl_->logger, impl_->registry));
  if (impl_->started) impl_->consumers.back()->start();
  return *impl_->consumers.back();
}

void Subscriptions::start() {
  std::lock_guard lock(impl_->mutex);
  impl_->started = true;
  for (const auto& consumer : impl_->consumers) consumer->start();
}

void Subscriptions::stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->started = false;
  for (const auto& consumer : impl_->consumers) consumer->stop();
}

std::vector<SubscriptionStatus> Subscriptions::status() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<SubscriptionStatus> statuses;
  statuses.reserve(impl_->consumers.size());
  for (const auto& consumer : impl_->consumers)
    statuses.push_back({consumer->options().stream, consumer->options().group, consumer->status()});
  return statuses;
}

core::Result<void> Subscriptions::readiness() const {
  std::string problems;
  for (const SubscriptionStatus& subscription : status()) {
    std::string problem;
    switch (subscription.consumer.state) {
      case ConsumerStatus::State::kStopped:
        problem = "stopped";
        break;
      case ConsumerStatus::State::kPaused:
        problem = "paused since " + core::format_rfc3339(subscription.consumer.since) + ": " +
                  subscription.consumer.reason;
        break;
      case ConsumerStatus::State::kRunning:
        if (!subscription.consumer.broker_reachable) problem = "cannot reach the event broker";
        break;
    }
    if (problem.empty()) continue;
    if (!problems.empty()) problems += "; ";
    problems += subscription.stream + " (" + subscription.group + ") " + problem;
  }
  if (problems.empty()) return core::ok();
  return core::Error::unavailable("events wait: " + problems);
}

}  // namespace platform::events
