// The config-service's registry over real HTTP: the built binary, started per test on
// SQLite and on PostgreSQL, driven by a raw client. Every (method, route, status) seen
// here must be in the service's OpenAPI document (checked when the test program ends).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "api/openapi.h"
#include "platform/core/strings.h"
#include "platform/testing/http_client.h"
#include "platform/testing/openapi_coverage.h"
#include "platform/testing/platform_token.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "platform/testing/test_database.h"

namespace config_service {
namespace {

using platform::testing::HttpResponse;
using platform::testing::ServiceProcess;
using platform::testing::TestBackend;
using namespace std::chrono_literals;

// --- the OpenAPI document must describe every answer the service gave -------------------

std::string route_of(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  if (path.starts_with("/registry/instances/")) {
    return path.ends_with("/heartbeat") ? "/registry/instances/{instance_id}/heartbeat"
                                        : "/registry/instances/{instance_id}";
  }
  if (path.starts_with("/registry/services/")) {
    return path.ends_with("/traffic") ? "/registry/services/{name}/traffic"
                                      : "/registry/services/{name}/instances";
  }
  return path;
}

platform::testing::OpenApiCoverage& coverage =
    platform::testing::OpenApiCoverage::install(api::openapi_document(), route_of);

// --- fixture ----------------------------------------------------------------------------

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

std::string registration(const std::string& service, const std::string& id, int ttl = 10) {
  return boost::json::serialize(boost::json::object{{"service", service},
                                                    {"instance_id", id},
                                                    {"url", "http://127.0.0.1:9/" + id},
                                                    {"version", "1.0.0"},
                                                    {"colour", "blue"},
                                                    {"metadata", {{"k", "v"}}},
                                                    {"ttl_seconds", ttl}});
}

class RegistryApiTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override { start(); }

  void start() {
    service_ = std::make_unique<ServiceProcess>(
        CONFIG_SERVICE_BINARY,
        platform::testing::Environment{{"SYL_HTTP_PORT", "0"},
                                       {"SYL_DATABASE_URL", database_.url()},
                                       {"SYL_WORKER_THREADS", "4"},
                                       {"SYL_DATABASE_POOL_SIZE", "4"},
                                       {"SYL_REGISTRY_SWEEP_INTERVAL_MS", "250"},
                                       {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}});
  }

  // Sends the platform token unless `headers` says otherwise (an empty list: none).
  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const platform::testing::HeaderList& headers = {
                        platform::testing::authorization()}) {
    HttpResponse response =
        platform::testing::http_request(service_->port(), method, target, body, headers);
    coverage.record(method, target, response.status);
    return response;
  }

  boost::json::object register_instance(const std::string& service, const std::string& id,
                                        int ttl = 10, int status = 201) {
    HttpResponse response = call("POST", "/registry/instances", registration(service, id, ttl));
    EXPECT_EQ(response.status, status) << response.body;
    return json_of(response);
  }

  boost::json::array instances(const std::string& service, const std::string& query = "") {
    HttpResponse response = call("GET", "/registry/services/" + service + "/instances" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return json_of(response).at("instances").as_array();
  }

  std::int64_t registry_version() {
    return json_of(call("GET", "/registry/services")).at("registry_version").as_int64();
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<ServiceProcess> service_;
};

TEST_P(RegistryApiTest, RegisterListHeartbeatDeregister) {
  const auto registered = register_instance("subject-service", "s-1");
  EXPECT_EQ(registered.at("instance_id").as_string(), "s-1");
  EXPECT_EQ(registered.at("colour").as_string(), "blue");
  EXPECT_EQ(registered.at("metadata").at("k").as_string(), "v");
  EXPECT_EQ(registered.at("registry_version").as_int64(), 1);
  register_instance("subject-service", "s-2");
  register_instance("syllabus-service", "y-1");

  const auto services = json_of(call("GET", "/registry/services"));
  EXPECT_EQ(services.at("registry_version").as_int64(), 3);
  const auto& list = services.at("services").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("name").as_string(), "subject-service");
  EXPECT_EQ(list[0].at("instances").as_int64(), 2);

  auto listed = instances("subject-service");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].at("url").as_string(), "http://127.0.0.1:9/s-1");
  EXPECT_TRUE(instances("nobody").empty());

  HttpResponse beat = call("PUT", "/registry/instances/s-1/heartbeat");
  ASSERT_EQ(beat.status, 200) << beat.body;
  EXPECT_EQ(json_of(beat).at("instance_id").as_string(), "s-1");
  EXPECT_GE(json_of(beat).at("lease_expires_at").as_string(),
            registered.at("lease_expires_at").as_string());
  EXPECT_EQ(registry_version(), 3);  // a heartbeat changes no membership

  // Same instance_id again: re-registered.
  EXPECT_EQ(register_instance("subject-service", "s-1", 10, 200).at("registry_version").as_int64(),
            4);

  EXPECT_EQ(call("DELETE", "/registry/instances/s-1").status, 204);
  EXPECT_EQ(call("DELETE", "/registry/instances/s-1").status, 404);
  EXPECT_EQ(call("PUT", "/registry/instances/s-1/heartbeat").status, 404);
  EXPECT_EQ(instances("subject-service").size(), 1u);
  EXPECT_EQ(registry_version(), 5);
}

TEST_P(RegistryApiTest, ServesEveryHealthyInstanceAsPrometheusTargets) {
  register_instance("subject-service", "s-1");
  register_instance("file-service", "f-1");
  register_instance("file-service", "f-short", 1);
  std::this_thread::sleep_for(1100ms);  // f-short's lease lapsed: not a target

  // Without a token: Prometheus reads it as it is.
  HttpResponse response = call("GET", "/registry/prometheus-targets", "", {});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  const auto groups = boost::json::parse(response.body).as_array();
  ASSERT_EQ(groups.size(), 2u) << response.body;
  // By service, then instance id.
  const auto& files = groups[0].as_object();
  EXPECT_EQ(files.at("targets"), (boost::json::array{"127.0.0.1:9"}));
  EXPECT_EQ(files.at("labels"), (boost::json::object{{"__scheme__", "http"},
                                                     {"__metrics_path__", "/f-1/metrics"},
                                                     {"service", "file-service"},
                                                     {"instance_id", "f-1"},
                                                     {"version", "1.0.0"},
                                                     {"colour", "blue"}}));
  EXPECT_EQ(groups[1].at("labels").at("service").as_string(), "subject-service");

  call("DELETE", "/registry/instances/s-1");
  call("DELETE", "/registry/instances/f-1");
  EXPECT_EQ(call("GET", "/registry/prometheus-targets", "", {}).body, "[]");
}

TEST_P(RegistryApiTest, InvalidRegistrationsAnswer422ListingEveryField) {
  HttpResponse response = call("POST", "/registry/instances",
                               R"({"service":"","url":"ftp://x","colour":"red","ttl_seconds":0,
                                   "extra":1,"metadata":{"a":1}})");
  EXPECT_EQ(response.status, 422) << response.body;
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  const auto problem = json_of(response);
  std::set<std::string> fields;
  for (const auto& error : problem.at("errors").as_array())
    fields.insert(std::string(error.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"service", "instance_id", "url", "colour", "ttl_seconds",
                                           "extra", "metadata.a"}));
  EXPECT_EQ(call("POST", "/registry/instances", "{not json").status, 400);
  EXPECT_EQ(call("GET", "/registry/services?wait=61s&after=0").status, 400);
  EXPECT_EQ(call("GET", "/registry/services?wait=1s&after=x").status, 400);
}

TEST_P(RegistryApiTest, ALapsedLeaseDropsTheInstanceAndItCanRegisterAgain) {
  register_instance("svc", "short", 1);
  register_instance("svc", "long", 60);
  std::this_thread::sleep_for(2s);
  const auto listed = instances("svc", "?all=true");
  ASSERT_EQ(listed.size(), 1u);  // swept, not only hidden
  EXPECT_EQ(listed[0].at("instance_id").as_string(), "long");
  EXPECT_EQ(call("PUT", "/registry/instances/short/heartbeat").status, 404);
  EXPECT_EQ(registry_version(), 3);  // the sweep counted as one change
  register_instance("svc", "short", 10, 201);
  EXPECT_EQ(instances("svc").size(), 2u);
}

TEST_P(RegistryApiTest, RegistrationsAndTheVersionSurviveARestart) {
  register_instance("svc", "a");
  register_instance("svc", "b");
  ASSERT_EQ(service_->terminate(), 0);
  start();
  EXPECT_EQ(instances("svc").size(), 2u);
  EXPECT_EQ(registry_version(), 2);
  EXPECT_EQ(call("PUT", "/registry/instances/a/heartbeat").status, 200);
  EXPECT_EQ(register_instance("svc", "c").at("registry_version").as_int64(), 3);
}

TEST_P(RegistryApiTest, AWatchReturnsAsSoonAsAnotherClientRegisters) {
  register_instance("svc", "a");
  const std::int64_t version = registry_version();
  const auto started = std::chrono::steady_clock::now();
  auto watch = std::async(std::launch::async, [&] {
    return call("GET",
                "/registry/services/svc/instances?wait=10s&after=" + std::to_string(version));
  });
  ASSERT_TRUE(
      platform::testing::wait_for_metric(service_->port(), "config_watches_waiting", 1, 5s));
  ASSERT_EQ(watch.wait_for(0ms), std::future_status::timeout) << "answered before any change";
  register_instance("svc", "b");
  HttpResponse response = watch.get();
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_LT(took, 2s);
  const auto body = json_of(response);
  EXPECT_EQ(body.at("registry_version").as_int64(), version + 1);
  EXPECT_EQ(body.at("instances").as_array().size(), 2u);
}

TEST_P(RegistryApiTest, AWatchWithNoChangeReturnsAfterTheWaitWithTheSameVersion) {
  register_instance("svc", "a");
  const std::int64_t version = registry_version();
  const auto started = std::chrono::steady_clock::now();
  HttpResponse response =
      call("GET", "/registry/services?wait=1s&after=" + std::to_string(version));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(json_of(response).at("registry_version").as_int64(), version);
  // An old `after` is answered at once.
  const auto again = std::chrono::steady_clock::now();
  EXPECT_EQ(call("GET", "/registry/services?wait=10s&after=0").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - again, 2s);
}

TEST_P(RegistryApiTest, PendingWatchesAreAnsweredAtShutdown) {
  const std::int64_t version = registry_version();
  auto watch = std::async(std::launch::async, [&] {
    return call("GET", "/registry/services?wait=30s&after=" + std::to_string(version));
  });
  ASSERT_TRUE(
      platform::testing::wait_for_metric(service_->port(), "config_watches_waiting", 1, 5s));
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(service_->terminate(), 0);
  EXPECT_EQ(watch.get().status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 5s);
  start();
}

TEST_P(RegistryApiTest, AHundredInstancesRegisterAndExpire) {
  const std::int64_t before = registry_version();
  std::vector<std::thread> clients;
  for (int client = 0; client < 4; ++client) {
    clients.emplace_back([&, client] {
      for (int i = client; i < 100; i += 4) {
        HttpResponse response =
            platform::testing::http_request(service_->port(), "POST", "/registry/instances",
                                            registration("bulk", "i-" + std::to_string(i), 1),
                                            {platform::testing::authorization()});
        EXPECT_EQ(response.status, 201) << response.body;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(registry_version(), before + 100);
  // Everything registered within ~1 s lapses; wait for the sweeper.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::size_t left = 100;
  while (std::chrono::steady_clock::now() < deadline) {
    left = instances("bulk", "?all=true").size();
    if (left == 0) break;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_EQ(left, 0u);
  EXPECT_GT(registry_version(), before + 100);
}

TEST_P(RegistryApiTest, EveryWriteWithoutThePlatformTokenIsRefusedWith401) {
  register_instance("subject-service", "s-1");
  const std::int64_t version = registry_version();
  const platform::testing::HeaderList none;
  const platform::testing::HeaderList wrong{
      platform::testing::authorization("test-platform-token-0123456789abcdeX")};
  const platform::testing::HeaderList not_bearer{{"Authorization", "Basic dXNlcjpwdw=="}};
  struct Write {
    std::string method, target, body;
  };
  for (const Write& write :
       {Write{"POST", "/registry/instances", registration("subject-service", "s-2")},
        Write{"PUT", "/registry/instances/s-1/heartbeat", ""},
        Write{"DELETE", "/registry/instances/s-1", ""},
        Write{"PUT", "/registry/services/subject-service/traffic", R"({"blue":50,"green":50})"},
        Write{"DELETE", "/registry/services/subject-service/traffic", ""}}) {
    for (const auto* headers : {&none, &wrong, &not_bearer}) {
      HttpResponse refused = call(write.method, write.target, write.body, *headers);
      EXPECT_EQ(refused.status, 401) << write.method << " " << write.target;
      EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
      EXPECT_TRUE(refused.header("WWW-Authenticate").starts_with("Bearer realm="))
          << refused.header("WWW-Authenticate");
      EXPECT_EQ(json_of(refused).at("status").as_int64(), 401);
    }
  }
  // A presented token that is wrong is named as such (RFC 6750).
  EXPECT_NE(call("DELETE", "/registry/instances/s-1", "", wrong)
                .header("WWW-Authenticate")
                .find("error=\"invalid_token\""),
            std::string::npos);
  EXPECT_EQ(
      call("DELETE", "/registry/instances/s-1", "", none).header("WWW-Authenticate").find("error="),
      std::string::npos);
  // Nothing changed, and reads stay open (Prometheus discovers its targets there).
  EXPECT_EQ(registry_version(), version);
  EXPECT_EQ(call("GET", "/registry/services", "", none).status, 200);
  EXPECT_EQ(instances("subject-service").size(), 1u);
  EXPECT_EQ(call("GET", "/registry/services/subject-service/instances", "", none).status, 200);
}

TEST_P(RegistryApiTest, ATrafficSplitIsListedWithTheInstancesWakesWatchersAndIsCleared) {
  register_instance("svc", "a");
  EXPECT_FALSE(json_of(call("GET", "/registry/services/svc/instances")).contains("traffic"));
  const std::int64_t version = registry_version();
  auto watch = std::async(std::launch::async, [&] {
    return call("GET",
                "/registry/services/svc/instances?wait=10s&after=" + std::to_string(version));
  });
  ASSERT_TRUE(
      platform::testing::wait_for_metric(service_->port(), "config_watches_waiting", 1, 5s));
  HttpResponse set = call("PUT", "/registry/services/svc/traffic", R"({"blue":90,"green":10})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(
      json_of(set),
      (boost::json::object{
          {"blue", 90}, {"green", 10}, {"service", "svc"}, {"registry_version", version + 1}}));
  HttpResponse woken = watch.get();
  ASSERT_EQ(woken.status, 200) << woken.body;
  EXPECT_EQ(json_of(woken).at("traffic"), (boost::json::object{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(json_of(woken).at("registry_version").as_int64(), version + 1);

  // Kept across a restart; a service with no instance yet can have one.
  ASSERT_EQ(call("PUT", "/registry/services/other/traffic", R"({"blue":0,"green":100})").status,
            200);
  ASSERT_EQ(service_->terminate(), 0);
  start();
  EXPECT_EQ(json_of(call("GET", "/registry/services/svc/instances")).at("traffic"),
            (boost::json::object{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(json_of(call("GET", "/registry/services/other/instances")).at("traffic"),
            (boost::json::object{{"blue", 0}, {"green", 100}}));

  EXPECT_EQ(call("DELETE", "/registry/services/svc/traffic").status, 204);
  EXPECT_EQ(call("DELETE", "/registry/services/svc/traffic").status, 204);  // idempotent
  EXPECT_FALSE(json_of(call("GET", "/registry/services/svc/instances")).contains("traffic"));
  EXPECT_EQ(registry_version(), version + 4);
}

TEST_P(RegistryApiTest, ABadTrafficSplitIsRefusedAndChangesNothing) {
  ASSERT_EQ(call("PUT", "/registry/services/svc/traffic", R"({"blue":70,"green":30})").status, 200);
  const std::int64_t version = registry_version();
  const auto fields_of = [this](const std::string& target, const std::string& body) {
    HttpResponse response = call("PUT", target, body);
    EXPECT_EQ(response.status, 422) << body << " " << response.body;
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
    std::set<std::string> fields;
    const auto problem = json_of(response);
    for (const auto& error : problem.at("errors").as_array())
      fields.insert(std::string(error.at("field").as_string()));
    return fields;
  };
  const std::string target = "/registry/services/svc/traffic";
  EXPECT_EQ(fields_of(target, R"({"blue":60,"green":30})"), std::set<std::string>{"green"});
  EXPECT_EQ(fields_of(target, R"({"blue":-10,"green":110})"),
            (std::set<std::string>{"blue", "green"}));
  EXPECT_EQ(fields_of(target, R"({"blue":"90","green":10.5,"red":0})"),
            (std::set<std::string>{"blue", "green", "red"}));
  EXPECT_EQ(fields_of(target, R"({"green":100})"), std::set<std::string>{"blue"});
  EXPECT_EQ(fields_of("/registry/services/bad%20name/traffic", R"({"blue":0,"green":100})"),
            std::set<std::string>{"service"});
  EXPECT_EQ(call("PUT", target, "[1]").status, 400);
  EXPECT_EQ(call("PUT", target, "{not json").status, 400);
  EXPECT_EQ(call("PUT", target, R"({"blue":0,"green":100})",
                 {platform::testing::authorization(), {"Content-Type", "text/plain"}})
                .status,
            415);
  EXPECT_EQ(registry_version(), version);
  EXPECT_EQ(json_of(call("GET", "/registry/services/svc/instances")).at("traffic"),
            (boost::json::object{{"blue", 70}, {"green", 30}}));
}

TEST_P(RegistryApiTest, OpenApiDocumentIsServed) {
  HttpResponse response = call("GET", "/openapi.json");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(json_of(response).at("openapi").as_string(), "3.0.3");
}

TEST(ConfigServiceCommand, RefusesToServeWithoutAPlatformTokenInOneClearLine) {
  platform::testing::TemporaryDirectory directory;
  const std::string database = "sqlite://" + (directory.path() / "config.db").string();
  for (const auto& token : {std::string(), std::string("too-short")}) {
    platform::testing::Environment env{{"SYL_HTTP_PORT", "0"}, {"SYL_DATABASE_URL", database}};
    if (!token.empty()) env.push_back({"SYL_PLATFORM_TOKEN", token});
    auto result = platform::testing::run_process(CONFIG_SERVICE_BINARY, env, {});
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find("SYL_PLATFORM_TOKEN: "), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("too-short"), std::string::npos) << "a secret is never shown";
  }
  // Migrating needs no token.
  auto migrated = platform::testing::run_process(CONFIG_SERVICE_BINARY,
                                                 {{"SYL_DATABASE_URL", database}}, {"migrate"});
  EXPECT_EQ(migrated.exit_code, 0) << migrated.output;
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryApiTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace config_service
