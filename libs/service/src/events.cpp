#include "platform/service/events.h"

namespace platform::service {

std::unique_ptr<events::OutboxRelay> start_outbox_relay(const Startup& startup, std::string stream,
                                                        metrics::Registry& registry) {
  const config::Config& config = startup.config;
  auto relay = std::make_unique<events::OutboxRelay>(
      *startup.database,
      events::RelayOptions{
          .stream = std::move(stream),
          // A short command timeout: a hanging Redis shows in readiness within a second
          // (writers never wait on the relay: it calls Redis outside any transaction).
          .redis = {.url = config.get("redis.url"),
                    .command_timeout = std::chrono::milliseconds(1000)},
          .retention = std::chrono::hours(config.get_int("events.outbox_retention_hours")),
          .holder = startup.instance,
          .tracer = startup.tracer.get()},
      *startup.logger, registry);
  relay->start();
  return relay;
}

void add_broker_check(http::Health& health, const events::OutboxRelay& relay) {
  health.add_check(
      "broker",
      [&relay]() -> core::Result<void> {
        if (relay.broker_reachable()) return core::ok();
        return core::Error::unavailable("Redis is unreachable; events wait in the outbox");
      },
      /*critical=*/false);
}

}  // namespace platform::service
