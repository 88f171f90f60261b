// The client side against a small in-process config-service that speaks the contract of
// docs/config-service-api.md (registry and config documents, long polls included).
#include "platform/discovery/discovery.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "platform/http/server.h"

namespace platform::discovery {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

constexpr const char* kToken = "the-platform-token-of-this-test-0123";

// Registry and documents in memory; watches parked until something changes. Like the
// real one it refuses writes and document reads without the platform token.
class FakeConfigService {
 public:
  explicit FakeConfigService(std::uint16_t port = 0) { start(port); }
  ~FakeConfigService() { stop(); }

  void start(std::uint16_t port) {
    http::Router router;
    router.post("/registry/instances", [this](http::Request& request) {
      if (!authorized(request)) return refuse(request);
      const auto body = boost::json::parse(request.body).as_object();
      std::lock_guard lock(mutex_);
      const std::string id(body.at("instance_id").as_string());
      const bool known = instances_.contains(id);
      instances_[id] = body;
      ++registrations_;
      changed_locked();
      return http::Response::json(known ? 200 : 201, boost::json::serialize(body));
    });
    router.put("/registry/instances/{id}/heartbeat", [this](http::Request& request) {
      if (!authorized(request)) return refuse(request);
      std::lock_guard lock(mutex_);
      if (!instances_.contains(std::string(request.path_param("id"))))
        return http::Response::problem(core::Error::not_found("no such instance"), request);
      ++heartbeats_;
      return http::Response::json(200, "{}");
    });
    router.del("/registry/instances/{id}", [this](http::Request& request) {
      if (!authorized(request)) return refuse(request);
      std::lock_guard lock(mutex_);
      if (instances_.erase(std::string(request.path_param("id"))) == 0)
        return http::Response::problem(core::Error::not_found("no such instance"), request);
      changed_locked();
      return http::Response::no_content();
    });
    router.add_async("GET", "/registry/services/{name}/instances",
                     [this](http::Request& request, http::Responder respond) {
                       park(request, std::move(respond),
                            [this, name = std::string(request.path_param("name"))] {
                              return instances_json(name);
                            });
                     });
    router.put("/config/{service}/schema", [this](http::Request& request) {
      if (!authorized(request)) return refuse(request);
      std::lock_guard lock(mutex_);
      schema_ = request.body;
      return http::Response::json(200, "{}");
    });
    router.add_async("GET", "/config/{service}",
                     [this](http::Request& request, http::Responder respond) {
                       if (!authorized(request)) return respond(refuse(request));
                       park(request, std::move(respond), [this] { return document_json(); });
                     });
    http::ServerOptions options{.port = port};
    options.on_shutdown = [this] { answer_all(); };
    server_ = std::make_unique<http::Server>(options, std::move(router), logger_, registry_);
    port_ = server_->start();
  }
  void stop() {
    if (server_) server_->stop();
    server_.reset();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }
  void set_setting(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    settings_[key] = value;
    changed_locked();
  }
  void register_other(const std::string& service, const std::string& id, const std::string& url,
                      const std::string& colour = "") {
    std::lock_guard lock(mutex_);
    instances_[id] = {{"service", service}, {"instance_id", id}, {"url", url}, {"colour", colour}};
    changed_locked();
  }
  // A traffic split for every service (nullopt: none).
  void set_traffic(std::optional<std::pair<int, int>> split) {
    std::lock_guard lock(mutex_);
    traffic_ = split;
    changed_locked();
  }
  void forget_all() {
    std::lock_guard lock(mutex_);
    instances_.clear();
    changed_locked();
  }
  int registrations() const {
    std::lock_guard lock(mutex_);
    return registrations_;
  }
  int heartbeats() const {
    std::lock_guard lock(mutex_);
    return heartbeats_;
  }
  int refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }
  std::size_t instance_count() const {
    std::lock_guard lock(mutex_);
    return instances_.size();
  }
  std::string schema() const {
    std::lock_guard lock(mutex_);
    return schema_;
  }
  std::size_t parked() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
  }

 private:
  bool authorized(const http::Request& request) {
    if (request.headers.get("Authorization") == std::string("Bearer ") + kToken) return true;
    std::lock_guard lock(mutex_);
    ++refused_;
    return false;
  }
  static http::Response refuse(const http::Request& request) {
    return http::Response::problem(
        core::Error(core::ErrorCode::kUnauthenticated, "the platform token is missing"), request);
  }

  struct Waiter {
    std::int64_t after;
    std::function<std::string()> render;
    http::Responder respond;
  };

  void park(http::Request& request, http::Responder respond, std::function<std::string()> render) {
    std::lock_guard lock(mutex_);
    const auto after = request.query_param("after");
    const std::int64_t after_version = after ? std::stoll(*after) : -1;
    if (!request.query_param("wait") || version_ > after_version) {
      respond(http::Response::json(200, render()));
      return;
    }
    waiters_.push_back({after_version, std::move(render), std::move(respond)});
  }
  void changed_locked() {
    ++version_;
    for (auto& waiter : waiters_) waiter.respond(http::Response::json(200, waiter.render()));
    waiters_.clear();
  }
  void answer_all() {
    std::lock_guard lock(mutex_);
    for (auto& waiter : waiters_) waiter.respond(http::Response::json(200, waiter.render()));
    waiters_.clear();
  }
  std::string instances_json(const std::string& service) const {
    boost::json::array list;
    for (const auto& [id, instance] : instances_)
      if (instance.at("service").as_string() == service) list.push_back(instance);
    boost::json::object json{
        {"service", service}, {"registry_version", version_}, {"instances", std::move(list)}};
    if (traffic_) json["traffic"] = {{"blue", traffic_->first}, {"green", traffic_->second}};
    return boost::json::serialize(json);
  }
  std::string document_json() const {
    boost::json::object settings;
    for (const auto& [key, value] : settings_) settings[key] = value;
    return boost::json::serialize(boost::json::object{
        {"service", "subject-service"}, {"version", version_}, {"settings", std::move(settings)}});
  }

  logging::Logger logger_{"fake-config", "fake-1", logging::Level::kError, [](std::string_view) {}};
  metrics::Registry registry_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, boost::json::object> instances_;
  std::map<std::string, std::string> settings_;
  std::string schema_;
  std::vector<Waiter> waiters_;
  std::optional<std::pair<int, int>> traffic_;
  std::int64_t version_ = 0;
  int registrations_ = 0;
  int heartbeats_ = 0;
  int refused_ = 0;
};

class DiscoveryTest : public ::testing::Test {
 protected:
  logging::Logger logger_{"test", "test-1", logging::Level::kError, [](std::string_view) {}};
  FakeConfigService config_;
  InstanceInfo me_{.service = "subject-service",
                   .instance_id = "subject-1",
                   .url = "http://127.0.0.1:8101",
                   .version = "1.0.0",
                   .colour = "blue"};
};

TEST_F(DiscoveryTest, RegistersHeartbeatsAndDeregistersOnStop) {
  Registration registration(
      me_, {.config_service_url = config_.url(), .platform_token = kToken, .ttl = 1s}, logger_);
  registration.start();
  ASSERT_TRUE(eventually([&] { return registration.registered(); }));
  EXPECT_EQ(config_.instance_count(), 1u);
  ASSERT_TRUE(eventually([&] { return config_.heartbeats() >= 2; }));  // every ttl/3
  registration.stop();
  EXPECT_EQ(config_.instance_count(), 0u);
}

TEST_F(DiscoveryTest, RegistersAgainWhenTheRegistryForgotIt) {
  Registration registration(
      me_, {.config_service_url = config_.url(), .platform_token = kToken, .ttl = 1s}, logger_);
  registration.start();
  ASSERT_TRUE(eventually([&] { return config_.registrations() == 1; }));
  config_.forget_all();  // as after a lapsed lease: the next heartbeat gets 404
  ASSERT_TRUE(eventually([&] { return config_.registrations() == 2; }));
  EXPECT_EQ(config_.instance_count(), 1u);
}

TEST_F(DiscoveryTest, RegistersAgainWhenTheConfigServiceReturnsAfterAnOutage) {
  Registration registration(
      me_, {.config_service_url = config_.url(), .platform_token = kToken, .ttl = 1s}, logger_);
  registration.start();
  ASSERT_TRUE(eventually([&] { return registration.registered(); }));
  const auto port = config_.port();
  config_.stop();
  ASSERT_TRUE(eventually([&] { return !registration.registered(); }));
  config_.forget_all();  // the registry restarts without us
  config_.start(port);
  ASSERT_TRUE(eventually([&] { return config_.registrations() == 2; }, 10s));
  EXPECT_EQ(config_.instance_count(), 1u);
  EXPECT_TRUE(eventually([&] { return registration.registered(); }));
}

TEST_F(DiscoveryTest, PicksHealthyInstancesRoundRobinAndSeesChangesThroughTheWatch) {
  config_.register_other("subject-service", "a", "http://10.0.0.1:8101");
  Discovery discovery(config_.url(), {"subject-service"}, logger_);
  discovery.start();
  ASSERT_TRUE(eventually([&] { return discovery.instances("subject-service").size() == 1; }));
  config_.register_other("subject-service", "b", "http://10.0.0.2:8101");
  // The parked watch is answered by the change: no polling interval involved.
  ASSERT_TRUE(eventually([&] { return discovery.instances("subject-service").size() == 2; }, 2s));
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.insert(discovery.pick("subject-service")->url);
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_FALSE(discovery.pick("file-service"));
  discovery.stop();
}

TEST_F(DiscoveryTest, DividesPicksByTheTrafficSplitEvenlySpaced) {
  config_.register_other("subject-service", "b1", "http://blue-1", "blue");
  config_.register_other("subject-service", "b2", "http://blue-2", "");  // no colour: blue
  config_.register_other("subject-service", "g1", "http://green-1", "green");
  Discovery discovery(config_.url(), {"subject-service"}, logger_);
  discovery.start();
  ASSERT_TRUE(eventually([&] { return discovery.instances("subject-service").size() == 3; }));
  EXPECT_TRUE(discovery.traffic_urls("subject-service").empty());  // no split: any instance

  config_.set_traffic(std::pair{90, 10});
  ASSERT_TRUE(eventually([&] { return discovery.traffic("subject-service").has_value(); }, 2s));
  EXPECT_EQ(*discovery.traffic("subject-service"), (TrafficSplit{90, 10}));
  const std::vector<std::string> blue{"http://blue-1", "http://blue-2"};
  const std::vector<std::string> green{"http://green-1"};
  int greens = 0;
  for (int call = 0; call < 200; ++call) {
    const auto urls = discovery.traffic_urls("subject-service");
    ASSERT_TRUE(urls == blue || urls == green) << call;
    if (urls == green) {
      ++greens;
      EXPECT_EQ(call % 10, 9) << "every tenth call, not ten in a row";
    }
  }
  EXPECT_EQ(greens, 20);

  config_.set_traffic(std::pair{0, 100});
  ASSERT_TRUE(eventually([&] {
    return discovery.traffic("subject-service") == TrafficSplit{0, 100};
  }));
  for (int call = 0; call < 10; ++call) EXPECT_EQ(discovery.traffic_urls("subject-service"), green);
  // The chosen colour has no instance left: any will do.
  config_.forget_all();
  config_.register_other("subject-service", "b1", "http://blue-1", "blue");
  ASSERT_TRUE(eventually([&] { return discovery.instances("subject-service").size() == 1; }));
  EXPECT_TRUE(discovery.traffic_urls("subject-service").empty());
  config_.set_traffic(std::nullopt);
  ASSERT_TRUE(eventually([&] { return !discovery.traffic("subject-service").has_value(); }));
  discovery.stop();
}

TEST_F(DiscoveryTest, KeepsServingFromItsCacheWhileTheConfigServiceIsDown) {
  config_.register_other("subject-service", "a", "http://10.0.0.1:8101");
  Discovery discovery(config_.url(), {"subject-service"}, logger_);
  discovery.start();
  ASSERT_TRUE(eventually([&] { return discovery.pick("subject-service").has_value(); }));
  config_.stop();
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(discovery.pick("subject-service"));
  EXPECT_EQ(discovery.pick("subject-service")->url, "http://10.0.0.1:8101");
  discovery.stop();
}

TEST_F(DiscoveryTest, StopsPromptlyWhileALongPollIsWaiting) {
  Discovery discovery(config_.url(), {"subject-service"}, logger_, 30s);
  discovery.start();
  // The second request is parked for up to 30 s.
  ASSERT_TRUE(eventually([&] { return config_.parked() >= 1; }));
  const auto started = std::chrono::steady_clock::now();
  discovery.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(DiscoveryTest, PublishesTheSchemaAndAppliesDynamicSettingsWhenTheyChange) {
  const config::Schema schema = config::common_schema("subject-service", 8101);
  DynamicSettings settings({config_.url(), kToken}, "subject-service", "default", schema, logger_);
  std::mutex mutex;
  std::vector<std::string> levels;
  settings.on_change("log.level", [&](const std::string& value) {
    std::lock_guard lock(mutex);
    levels.push_back(value);
  });
  settings.start();
  ASSERT_TRUE(eventually([&] { return !config_.schema().empty(); }));
  const auto published = boost::json::parse(config_.schema()).as_object();
  bool found_level = false;
  for (const auto& entry : published.at("settings").as_array()) {
    const auto& setting = entry.as_object();
    EXPECT_NE(setting.at("key").as_string(), "database.url") << "secrets stay in the process";
    if (setting.at("key").as_string() != "log.level") continue;
    found_level = true;
    EXPECT_EQ(setting.at("type").as_string(), "enum");
    EXPECT_TRUE(setting.at("dynamic").as_bool());
  }
  EXPECT_TRUE(found_level);

  config_.set_setting("log.level", "debug");
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mutex);
        return levels == std::vector<std::string>{"debug"};
      },
      2s));
  config_.set_setting("http.port", "9999");  // not dynamic: no callback
  config_.set_setting("log.level", "warn");
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mutex);
        return levels.size() == 2 && levels[1] == "warn";
      },
      2s));
  EXPECT_EQ(settings.current().at("http.port"), "9999");
  settings.stop();
  EXPECT_EQ(config_.refused(), 0);
}

TEST_F(DiscoveryTest, SendsThePlatformTokenWithEveryRegistryWrite) {
  Registration registration(
      me_, {.config_service_url = config_.url(), .platform_token = kToken, .ttl = 1s}, logger_);
  registration.start();
  ASSERT_TRUE(eventually([&] { return config_.heartbeats() >= 1; }));
  registration.stop();
  EXPECT_EQ(config_.instance_count(), 0u);  // the deregistration carried it too
  EXPECT_EQ(config_.refused(), 0);
}

TEST_F(DiscoveryTest, KeepsRetryingAndNeverRegistersWithAWrongToken) {
  Registration registration(
      me_, {.config_service_url = config_.url(), .platform_token = "not-the-token", .ttl = 1s},
      logger_);
  registration.start();
  ASSERT_TRUE(eventually([&] { return config_.refused() >= 2; }, 5s));
  EXPECT_FALSE(registration.registered());
  EXPECT_EQ(config_.instance_count(), 0u);
  registration.stop();

  DynamicSettings settings({config_.url(), ""}, "subject-service", "default",
                           config::common_schema("subject-service", 8101), logger_);
  settings.start();
  const int refused = config_.refused();
  ASSERT_TRUE(eventually([&] { return config_.refused() > refused; }, 5s));
  settings.stop();
  EXPECT_TRUE(config_.schema().empty());
  EXPECT_TRUE(settings.current().empty());
}

}  // namespace
}  // namespace platform::discovery
