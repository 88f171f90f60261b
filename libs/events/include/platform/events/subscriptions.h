// The event subscriptions of one service, the same way in every service: a consumer per
// stream, all in the service's consumer group with shared options, one start and one
// stop, and one readiness check that summarises them.
//
//   Subscriptions subscriptions(database, {.group = "syllabus-service",
//                                          .consumer = startup.instance,
//                                          .redis = {.url = config.get("redis.url")}},
//                               logger, registry);
//   subscriptions.subscribe("events.subject")
//       .on("subject.created", 1, on_subject_created)
//       .on("subject.deleted", 1, on_subject_deleted);
//   subscriptions.subscribe("events.file").on("file.uploaded", 1, on_file_uploaded);
//   subscriptions.start();
//   health.add_check("events", [&] { return subscriptions.readiness(); }, /*critical=*/false);
//   ...
//   subscriptions.stop();   // on shutdown, after the server stopped taking requests
//
// A paused subscription (a dependency of its handlers is down, see consumer.h) or one
// that cannot reach the broker makes readiness() fail with kUnavailable naming it and
// why. Registered as a non-critical check it makes the service "degraded", not down:
// its events wait (pending, or in the stream) while it goes on serving requests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "platform/core/result.h"
#include "platform/db/database.h"
#include "platform/events/consumer.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"

namespace platform::events {

struct SubscriptionStatus {
  std::string stream;
  std::string group;
  ConsumerStatus consumer;
};

class Subscriptions {
 public:
  // `shared`: the options of every subscription; its `stream` is ignored.
  Subscriptions(db::Database& database, ConsumerOptions shared, logging::Logger& logger,
                metrics::Registry& registry);
  ~Subscriptions();  // stop()
  Subscriptions(const Subscriptions&) = delete;
  Subscriptions& operator=(const Subscriptions&) = delete;

  // The subscription to `stream` (created on the first call; the same one after), whose
  // handlers are added with Consumer::on. `group` overrides the shared group (a second,
  // independent reader of the stream). Subscribed after start(), it starts at once.
  Consumer& subscribe(const std::string& stream, const std::string& group = "");

  void start();
  // Stops every subscription: each finishes the event in hand, the rest stays pending.
  void stop();

  std::vector<SubscriptionStatus> status() const;
  // ok when every subscription is running and reaches the broker; else kUnavailable with
  // one sentence per subscription that is not.
  core::Result<void> readiness() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace platform::events
