// The event side of a service that publishes events, the same for every one: its outbox
// relay, configured from the common settings (redis.url, events.outbox_retention_hours)
// and started, and the readiness check that reports whether Redis answers.
//
//   auto relay = platform::service::start_outbox_relay(startup, kSubjectStream, registry);
//   SqlSubjectRepository repository(database, [&relay] { relay->notify(); });
//   platform::service::add_broker_check(health, *relay);
//   ...
//   relay->stop();   // after the server stopped: what the last requests committed goes out
#pragma once

#include <memory>
#include <string>

#include "platform/events/outbox.h"
#include "platform/http/health.h"
#include "platform/metrics/registry.h"
#include "platform/service/startup.h"

namespace platform::service {

std::unique_ptr<events::OutboxRelay> start_outbox_relay(const Startup& startup, std::string stream,
                                                        metrics::Registry& registry);

// "broker": degraded, not failed, while Redis is down (writes go on; events wait in the
// outbox).
void add_broker_check(http::Health& health, const events::OutboxRelay& relay);

}  // namespace platform::service
