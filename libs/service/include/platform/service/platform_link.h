// A service's link to the config-service, the same for every service: once it serves,
// register this instance (lease and heartbeats) and apply dynamic settings (log.level)
// live; deregister as soon as draining begins, so that peers stop choosing it. Without
// SYL_CONFIG_SERVICE_URL the service runs standalone and every call does nothing.
//
//   platform::service::PlatformLink link(startup);
//   options.on_shutdown = [&link] { link.deregister(); };
//   Server server(std::move(options), ...);
//   link.start(server.start());
//   server.wait_for_shutdown_signal();
//   link.stop();
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platform/discovery/discovery.h"
#include "platform/service/startup.h"

namespace platform::service {

class PlatformLink {
 public:
  explicit PlatformLink(const Startup& startup);
  ~PlatformLink();
  PlatformLink(const PlatformLink&) = delete;
  PlatformLink& operator=(const PlatformLink&) = delete;

  // Registers the instance serving on `port` under its advertised URL
  // (advertised_url.h) and starts watching dynamic settings.
  void start(std::uint16_t port);
  // Before start(): calls `callback` (on the watch thread) with the dynamic setting
  // `key`'s value from the config-service, once it is known and whenever it changes.
  void on_change(const std::string& key, discovery::DynamicSettings::Callback callback);
  // Deregisters; safe from ServerOptions::on_shutdown and more than once.
  void deregister();
  // Deregisters and stops watching.
  void stop();
  // Whether this instance holds its lease now (the config-service answers its heartbeats).
  bool registered() const { return registration_ && registration_->registered(); }

 private:
  const Startup& startup_;
  std::unique_ptr<discovery::Registration> registration_;
  std::unique_ptr<discovery::DynamicSettings> dynamic_settings_;
  std::vector<std::pair<std::string, discovery::DynamicSettings::Callback>> watchers_;
};

}  // namespace platform::service
