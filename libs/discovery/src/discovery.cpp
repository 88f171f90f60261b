#include "platform/discovery/discovery.h"

#include <algorithm>
#include <boost/json.hpp>

#include "platform/core/background_task.h"

namespace platform::discovery {
namespace {

using namespace std::chrono_literals;

constexpr auto kRetryPause = 1000ms;  // after a failure: the config-service may be restarting

std::string json_text(const boost::json::value& value, std::string_view key) {
  if (!value.is_object()) return {};
  const auto* found = value.as_object().if_contains(key);
  if (!found || !found->is_string()) return {};
  return std::string(found->as_string());
}

std::int64_t json_int(const boost::json::value& value, std::string_view key) {
  if (!value.is_object()) return -1;
  const auto* found = value.as_object().if_contains(key);
  if (!found || !found->is_number()) return -1;
  return found->to_number<std::int64_t>();
}

// "Authorization: Bearer <token>" on a request to the config-service.
void authorize(http::ClientRequest& request, const std::string& platform_token) {
  if (!platform_token.empty()) request.headers.set("Authorization", "Bearer " + platform_token);
}

// Long polls wait up to `wait` on the server: the client must give them longer.
http::ClientOptions watch_options(std::chrono::seconds wait, const std::string& peer) {
  http::ClientOptions options;
  options.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wait) + 10s;
  options.peer_name = peer;
  return options;
}

}  // namespace

// ---- ClientTask ------------------------------------------------------------------------

class ClientTask {
 public:
  using Step = std::function<std::chrono::milliseconds(http::Client& client)>;  // -> pause

  ClientTask(std::string name, http::ClientOptions options, Step step, logging::Logger& logger)
      : options_(std::move(options)),
        step_(std::move(step)),
        task_(std::move(name), [this](core::BackgroundTask&) { return step_(*client_); },
              {.interrupt = [this] { client_->shutdown(); },
               .on_exception =
                   [&logger](std::string_view task, std::string_view what) {
                     logger.error("background task failed", {{"task", task}, {"error", what}});
                   }}) {}
  ~ClientTask() { stop(); }

  // A fresh client each time: a stopped task's client was shut down for good.
  void start() {
    if (task_.running()) return;
    client_ = std::make_unique<http::Client>(options_);
    task_.start();
  }
  void stop() { task_.stop(); }
  bool stopping() const { return task_.stopping(); }

 private:
  http::ClientOptions options_;
  Step step_;
  std::unique_ptr<http::Client> client_;
  core::BackgroundTask task_;  // last: stopped before the client it uses goes
};

// ---- Registration ----------------------------------------------------------------------

Registration::Registration(InstanceInfo instance, RegistrationOptions options,
                           logging::Logger& logger)
    : instance_(std::move(instance)),
      options_(std::move(options)),
      logger_(logger),
      task_(std::make_unique<ClientTask>(
          "registration",
          http::ClientOptions{
              .connect_timeout = 1000ms, .request_timeout = 3000ms, .peer_name = "config-service"},
          [this](http::Client& client) { return step(client); }, logger)) {}

Registration::~Registration() {
  stop();
}

void Registration::start() {
  task_->start();
}

std::chrono::milliseconds Registration::step(http::Client& client) {
  const auto heartbeat_every =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.ttl) / 3;
  if (registered_) {
    http::ClientRequest heartbeat{.method = "PUT",
                                  .url = options_.config_service_url + "/registry/instances/" +
                                         instance_.instance_id + "/heartbeat"};
    authorize(heartbeat, options_.platform_token);
    auto beat = client.send(heartbeat);
    if (beat && beat->status == 200) return heartbeat_every;
    // stop() cut the heartbeat short: still registered, and stop() deregisters.
    if (!beat && task_->stopping()) return kRetryPause;
    // 404: the lease lapsed (or the registry lost it): register again right away.
    registered_ = false;
    if (!beat && !outage_logged_) {
      logger_.warn("config-service unreachable; will register again when it returns",
                   {{"error", beat.error().detail()}});
      outage_logged_ = true;
    }
    if (!beat) return kRetryPause;
  }
  boost::json::object metadata;
  for (const auto& [key, value] : instance_.metadata) metadata[key] = value;
  const boost::json::object body{{"service", instance_.service},
                                 {"instance_id", instance_.instance_id},
                                 {"url", instance_.url},
                                 {"version", instance_.version},
                                 {"colour", instance_.colour},
                                 {"zone", instance_.zone},
                                 {"metadata", std::move(metadata)},
                                 {"ttl_seconds", options_.ttl.count()}};
  http::ClientRequest request{.method = "POST",
                              .url = options_.config_service_url + "/registry/instances",
                              .body = boost::json::serialize(body)};
  request.headers.set("Content-Type", "application/json");
  authorize(request, options_.platform_token);
  auto answer = client.send(request);
  if (answer && (answer->status == 200 || answer->status == 201)) {
    registered_ = true;
    outage_logged_ = false;
    logger_.info("registered with the config-service",
                 {{"instance_id", instance_.instance_id}, {"url", instance_.url}});
    return heartbeat_every;
  }
  if (answer && answer->status == 401) {
    if (!outage_logged_)
      logger_.error("the config-service refuses our platform token; retrying registration");
    outage_logged_ = true;
    return kRetryPause;
  }
  if (!outage_logged_) {
    logger_.warn(
        "cannot register with the config-service; retrying",
        {{"error", answer ? "status " + std::to_string(answer->status) : answer.error().detail()}});
    outage_logged_ = true;
  }
  return kRetryPause;
}

void Registration::stop() {
  task_->stop();
  if (!registered_.exchange(false)) return;
  http::Client client(
      {.connect_timeout = 500ms, .request_timeout = 1000ms, .peer_name = "config-service"});
  http::ClientRequest request{
      .method = "DELETE",
      .url = options_.config_service_url + "/registry/instances/" + instance_.instance_id};
  authorize(request, options_.platform_token);
  auto answer = client.send(request);
  if (answer && answer->status == 204)
    logger_.info("deregistered from the config-service", {{"instance_id", instance_.instance_id}});
}

// ---- Discovery -------------------------------------------------------------------------

Discovery::Discovery(std::string config_service_url, std::vector<std::string> services,
                     logging::Logger& logger, std::chrono::seconds watch_wait)
    : url_(std::move(config_service_url)), logger_(logger), wait_(watch_wait) {
  for (const auto& service : services) {
    watched_[service];
    tasks_.push_back(std::make_unique<ClientTask>(
        "discovery " + service, watch_options(wait_, "config-service"),
        [this, service](http::Client& client) { return step(client, service); }, logger));
  }
}

Discovery::~Discovery() {
  stop();
}

void Discovery::start() {
  for (auto& task : tasks_) task->start();
}

void Discovery::stop() {
  for (auto& task : tasks_) task->stop();
}

std::chrono::milliseconds Discovery::step(http::Client& client, const std::string& service) {
  std::int64_t after;
  {
    std::lock_guard lock(mutex_);
    after = watched_[service].version;
  }
  std::string target = url_ + "/registry/services/" + service + "/instances";
  if (after >= 0)
    target += "?wait=" + std::to_string(wait_.count()) + "s&after=" + std::to_string(after);
  auto answer = client.send({.url = target});
  if (!answer || answer->status != 200) return kRetryPause;  // keep serving from the cache
  boost::system::error_code ec;
  const auto body = boost::json::parse(answer->body, ec);
  if (ec || !body.is_object()) return kRetryPause;
  std::vector<Instance> instances;
  if (const auto* list = body.as_object().if_contains("instances"); list && list->is_array()) {
    for (const auto& item : list->as_array()) {
      instances.push_back({json_text(item, "service"), json_text(item, "instance_id"),
                           json_text(item, "url"), json_text(item, "version"),
                           json_text(item, "colour"), json_text(item, "zone")});
    }
  }
  std::optional<TrafficSplit> traffic;
  if (const auto* split = body.as_object().if_contains("traffic"); split && split->is_object()) {
    const auto percent = [split](std::string_view colour) {
      return static_cast<int>(std::clamp<std::int64_t>(json_int(*split, colour), 0, 100));
    };
    traffic = TrafficSplit{percent("blue"), percent("green")};
  }
  std::lock_guard lock(mutex_);
  Watched& watched = watched_[service];
  if (watched.instances != instances)
    logger_.info("discovered instances changed",
                 {{"service", service}, {"instances", instances.size()}});
  if (watched.traffic != traffic) {
    logger_.info("traffic split changed", {{"service", service},
                                           {"blue", traffic ? traffic->blue : 100},
                                           {"green", traffic ? traffic->green : 0},
                                           {"split", traffic.has_value()}});
  }
  watched.instances = std::move(instances);
  splits_ += (traffic ? 1 : 0) - (watched.traffic ? 1 : 0);
  watched.traffic = traffic;
  watched.version = json_int(body, "registry_version");
  return 0ms;  // the next long poll at once
}

std::optional<Instance> Discovery::pick(const std::string& service) {
  std::lock_guard lock(mutex_);
  auto found = watched_.find(service);
  if (found == watched_.end() || found->second.instances.empty()) return std::nullopt;
  Watched& watched = found->second;
  return watched.instances[watched.next++ % watched.instances.size()];
}

std::vector<std::string> Discovery::traffic_urls(const std::string& service) {
  if (splits_.load(std::memory_order_relaxed) == 0) return {};
  std::lock_guard lock(mutex_);
  auto found = watched_.find(service);
  if (found == watched_.end() || !found->second.traffic) return {};
  Watched& watched = found->second;
  // Call n goes green when floor((n + 1) g / 100) > floor(n g / 100): g of every 100
  // calls, as evenly spaced as whole calls allow.
  const std::uint64_t n = watched.traffic_picks++;
  const auto green = static_cast<std::uint64_t>(watched.traffic->green);
  const bool to_green = ((n % 100) + 1) * green / 100 > (n % 100) * green / 100;
  std::vector<std::string> urls;
  for (const auto& instance : watched.instances)
    if ((instance.colour == "green") == to_green) urls.push_back(instance.url);
  return urls;
}

std::optional<TrafficSplit> Discovery::traffic(const std::string& service) const {
  std::lock_guard lock(mutex_);
  auto found = watched_.find(service);
  return found == watched_.end() ? std::nullopt : found->second.traffic;
}

std::vector<Instance> Discovery::instances(const std::string& service) const {
  std::lock_guard lock(mutex_);
  auto found = watched_.find(service);
  return found == watched_.end() ? std::vector<Instance>{} : found->second.instances;
}

// ---- DynamicSettings -------------------------------------------------------------------

std::string schema_to_json(const config::Schema& schema) {
  boost::json::array settings;
  for (const auto& setting : schema.settings()) {
    if (setting.secret) continue;  // secrets never leave the process
    boost::json::object entry{{"key", setting.key},
                              {"type", setting.validate ? setting.validate.type() : "string"},
                              {"dynamic", setting.dynamic},
                              {"description", setting.description}};
    if (setting.validate && setting.validate.min()) entry["min"] = *setting.validate.min();
    if (setting.validate && setting.validate.max()) entry["max"] = *setting.validate.max();
    if (setting.validate && !setting.validate.values().empty()) {
      boost::json::array values;
      for (const auto& value : setting.validate.values()) values.emplace_back(value);
      entry["values"] = std::move(values);
    }
    settings.push_back(std::move(entry));
  }
  return boost::json::serialize(boost::json::object{{"settings", std::move(settings)}});
}

DynamicSettings::DynamicSettings(ConfigServiceAccess config_service, std::string service,
                                 std::string environment, const config::Schema& schema,
                                 logging::Logger& logger, std::chrono::seconds watch_wait)
    : config_service_(std::move(config_service)),
      service_(std::move(service)),
      environment_(std::move(environment)),
      schema_json_(schema_to_json(schema)),
      logger_(logger),
      wait_(watch_wait),
      task_(std::make_unique<ClientTask>(
          "dynamic settings", watch_options(watch_wait, "config-service"),
          [this](http::Client& client) { return step(client); }, logger)) {
  for (const auto& setting : schema.settings())
    if (setting.dynamic) dynamic_keys_.push_back(setting.key);
}

DynamicSettings::~DynamicSettings() {
  stop();
}

void DynamicSettings::on_change(const std::string& key, Callback callback) {
  std::lock_guard lock(mutex_);
  callbacks_[key].push_back(std::move(callback));
}

void DynamicSettings::start() {
  task_->start();
}
void DynamicSettings::stop() {
  task_->stop();
}

std::map<std::string, std::string> DynamicSettings::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::chrono::milliseconds DynamicSettings::step(http::Client& client) {
  if (!schema_published_) {
    http::ClientRequest request{.method = "PUT",
                                .url = config_service_.url + "/config/" + service_ + "/schema",
                                .body = schema_json_};
    request.headers.set("Content-Type", "application/json");
    authorize(request, config_service_.platform_token);
    auto published = client.send(request);
    if (published && published->status == 401 && !unauthorized_logged_) {
      logger_.error("the config-service refuses our platform token; settings schema not published");
      unauthorized_logged_ = true;
    }
    if (!published || published->status != 200) return kRetryPause;
    schema_published_ = true;
  }
  http::ClientRequest watch{.url = config_service_.url + "/config/" + service_ +
                                   "?env=" + environment_};
  if (version_ >= 0)
    watch.url += "&wait=" + std::to_string(wait_.count()) + "s&after=" + std::to_string(version_);
  authorize(watch, config_service_.platform_token);
  auto answer = client.send(watch);
  if (!answer || answer->status != 200) return kRetryPause;
  boost::system::error_code ec;
  const auto body = boost::json::parse(answer->body, ec);
  if (ec || !body.is_object()) return kRetryPause;
  const std::int64_t version = json_int(body, "version");
  std::map<std::string, std::string> settings;
  if (const auto* values = body.as_object().if_contains("settings");
      values && values->is_object()) {
    for (const auto& [key, value] : values->as_object())
      if (value.is_string()) settings[std::string(key)] = std::string(value.as_string());
  }
  std::vector<std::pair<Callback, std::string>> to_call;
  {
    std::lock_guard lock(mutex_);
    for (const auto& key : dynamic_keys_) {
      const auto now = settings.find(key);
      const auto before = current_.find(key);
      const bool changed =
          now != settings.end() && (before == current_.end() || before->second != now->second);
      if (!changed) continue;
      for (const auto& callback : callbacks_[key]) to_call.emplace_back(callback, now->second);
      logger_.info("dynamic setting changed", {{"key", key}, {"value", now->second}});
    }
    current_ = std::move(settings);
    version_ = version;
  }
  for (auto& [callback, value] : to_call) callback(value);
  return std::chrono::milliseconds(0);
}

}  // namespace platform::discovery
