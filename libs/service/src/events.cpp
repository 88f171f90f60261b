#include "platform/service/events.h"

namespace platform::service {

std::unique_ptr<events::OutboxRelay> start_outbox_relay(const Startup& startup, std::string stream,
                                                        metrics::Registry& registry) {
  const config::Config& config = startup.config;
  auto relay = std::make_unique<events::OutboxRelay>(
      *startup.database,
      events::RelayOptions{
          .stream = std::move(stream),
          // A short command timeout: on SQLite the relay holds the write lock while it
          // publishes, so a hanging Redis must not stall writers for long.
          .redis = {.url = config.get("redis.url"),
                    .command_timeout = std::chrono::milliseconds(1000)},
          .retention = std::chrono::hours(config.get_int("events.outbox_retention_hours"))},
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
