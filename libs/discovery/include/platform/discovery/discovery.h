// How a service takes part in the platform through the config-service
// (docs/config-service-api.md): it registers and keeps its lease, it finds its peers,
// and it takes dynamic settings. All three keep working on what they last knew while the
// config-service is down, and catch up when it returns. Each runs its calls on a
// core::BackgroundTask; stop() interrupts a long poll in flight by shutting that task's
// HTTP client down.
//
//   Registration registration({.service = "subject-service", .instance_id = id,
//                              .url = "http://127.0.0.1:8101"},
//                             {.config_service_url = url, .platform_token = token}, log);
//   registration.start();            // registers, heartbeats every ttl/3, re-registers
//   ...
//   registration.stop();             // deregisters (SIGTERM path)
//
//   Discovery discovery(url, {"subject-service"}, log);
//   discovery.start();               // long-polls the registry, caches what it saw
//   auto peer = discovery.pick("subject-service");   // round robin over healthy ones
//   auto urls = discovery.traffic_urls("subject-service");  // blue or green, by the split
//
//   DynamicSettings settings({url, token}, "subject-service", "default", schema, log);
//   settings.on_change("log.level", [&](const std::string& v) { log.set_level(...); });
//   settings.start();                // publishes the schema, watches the document
//
// Registration and DynamicSettings send the platform token (Authorization: Bearer) with
// every call: the config-service refuses registry and configuration writes without it,
// and reads of documents that hold secret settings. Discovery reads the open registry.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/config/config.h"
#include "platform/http/client.h"
#include "platform/logging/logger.h"

namespace platform::discovery {

struct InstanceInfo {
  std::string service;
  std::string instance_id;
  std::string url;  // where peers reach it: "http://127.0.0.1:8101"
  std::string version;
  std::string colour;  // "blue", "green" or "" (blue-green deploys)
  std::string zone;
  std::map<std::string, std::string> metadata;
};

struct RegistrationOptions {
  std::string config_service_url;  // "http://127.0.0.1:8100"
  std::string platform_token;
  std::chrono::seconds ttl{10};
};

// Where the config-service is and the token that lets us write to it.
struct ConfigServiceAccess {
  std::string url;  // "http://127.0.0.1:8100"
  std::string platform_token;
};

// A core::BackgroundTask whose steps call the config-service through a client of their
// own (defined in discovery.cpp).
class ClientTask;

class Registration {
 public:
  Registration(InstanceInfo instance, RegistrationOptions options, logging::Logger& logger);
  ~Registration();  // stop()
  void start();
  // Deregisters (best effort, one short attempt) and stops heartbeating.
  void stop();
  bool registered() const { return registered_.load(); }

 private:
  std::chrono::milliseconds step(http::Client& client);

  InstanceInfo instance_;
  RegistrationOptions options_;
  logging::Logger& logger_;
  std::atomic<bool> registered_{false};
  bool outage_logged_ = false;
  std::unique_ptr<ClientTask> task_;
};

struct Instance {
  std::string service;
  std::string instance_id;
  std::string url;
  std::string version;
  std::string colour;
  std::string zone;

  friend bool operator==(const Instance&, const Instance&) = default;
};

// A blue-green deploy's division of a service's calls (the registry's traffic split):
// percent to its blue (or uncoloured) instances and to its green ones.
struct TrafficSplit {
  int blue = 100;
  int green = 0;

  friend bool operator==(const TrafficSplit&, const TrafficSplit&) = default;
};

class Discovery {
 public:
  Discovery(std::string config_service_url, std::vector<std::string> services,
            logging::Logger& logger, std::chrono::seconds watch_wait = std::chrono::seconds(30));
  ~Discovery();
  void start();
  void stop();

  // The next healthy instance of `service`, round robin; nullopt when none is known.
  std::optional<Instance> pick(const std::string& service);
  std::vector<Instance> instances(const std::string& service) const;
  // The URLs the next call to `service` should choose from under its traffic split: its
  // green instances for `green` percent of the calls, spread evenly (every tenth at 10 %),
  // its other instances for the rest. Empty when no split is set or the chosen colour has
  // no instance: any instance will do then.
  std::vector<std::string> traffic_urls(const std::string& service);
  std::optional<TrafficSplit> traffic(const std::string& service) const;

 private:
  struct Watched {
    std::vector<Instance> instances;
    std::optional<TrafficSplit> traffic;
    std::int64_t version = -1;
    std::size_t next = 0;
    std::uint64_t traffic_picks = 0;
  };
  std::chrono::milliseconds step(http::Client& client, const std::string& service);

  std::string url_;
  logging::Logger& logger_;
  std::chrono::seconds wait_;
  mutable std::mutex mutex_;
  std::map<std::string, Watched> watched_;
  // How many watched services have a split: none outside a deploy, when traffic_urls
  // answers on every call's path without taking the lock.
  std::atomic<int> splits_{0};
  std::vector<std::unique_ptr<ClientTask>> tasks_;
};

class DynamicSettings {
 public:
  using Callback = std::function<void(const std::string& value)>;
  DynamicSettings(ConfigServiceAccess config_service, std::string service, std::string environment,
                  const config::Schema& schema, logging::Logger& logger,
                  std::chrono::seconds watch_wait = std::chrono::seconds(30));
  ~DynamicSettings();
  // Called (on the watch thread) with a dynamic setting's new value when it changes.
  void on_change(const std::string& key, Callback callback);
  void start();
  void stop();
  // The last document seen (empty until the first answer).
  std::map<std::string, std::string> current() const;

 private:
  std::chrono::milliseconds step(http::Client& client);

  ConfigServiceAccess config_service_;
  std::string service_;
  std::string environment_;
  std::string schema_json_;
  std::vector<std::string> dynamic_keys_;
  logging::Logger& logger_;
  std::chrono::seconds wait_;
  bool schema_published_ = false;
  bool unauthorized_logged_ = false;
  std::int64_t version_ = -1;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> current_;
  std::map<std::string, std::vector<Callback>> callbacks_;
  std::unique_ptr<ClientTask> task_;
};

// The schema as the config-service takes it: {"settings":[{key,type,min,max,values,...}]}.
std::string schema_to_json(const config::Schema& schema);

}  // namespace platform::discovery
