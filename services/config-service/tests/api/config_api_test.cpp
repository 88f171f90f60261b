// The config-service's configuration documents over real HTTP: the built binary, started
// per test on SQLite and on PostgreSQL. Every (method, route, status) seen here must be in
// the service's OpenAPI document (checked when the test program ends).
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
#include "platform/testing/service_process.h"
#include "platform/testing/test_database.h"

namespace config_service {
namespace {

using platform::testing::HttpResponse;
using platform::testing::ServiceProcess;
using platform::testing::TestBackend;
using namespace std::chrono_literals;

std::string route_of(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  if (!path.starts_with("/config/")) return path;
  const auto slash = path.find('/', 8);
  if (slash == std::string::npos) return "/config/{service}";
  return "/config/{service}" + path.substr(slash);
}

platform::testing::OpenApiCoverage& coverage =
    platform::testing::OpenApiCoverage::install(api::openapi_document(), route_of);

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

constexpr const char* kSchema = R"({"settings":[
    {"key":"log.level","type":"enum","values":["debug","info","warn"],"dynamic":true,
     "description":"minimum level"},
    {"key":"pool","type":"integer","min":1,"max":64,"dynamic":false,"description":""},
    {"key":"strict","type":"boolean","dynamic":true,"description":""}]})";

class ConfigApiTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    service_ = std::make_unique<ServiceProcess>(
        CONFIG_SERVICE_BINARY, platform::testing::Environment{{"SYL_HTTP_PORT", "0"},
                                                              {"SYL_DATABASE_URL", database_.url()},
                                                              {"SYL_WORKER_THREADS", "4"},
                                                              {"SYL_DATABASE_POOL_SIZE", "4"}});
    ASSERT_EQ(call("PUT", "/config/svc/schema", kSchema).status, 200);
  }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const platform::testing::HeaderList& headers = {}) {
    platform::testing::HeaderList all = headers;
    if (!body.empty()) all.push_back({"Content-Type", "application/json"});
    HttpResponse response =
        platform::testing::http_request(service_->port(), method, target, body, all);
    coverage.record(method, target, response.status);
    return response;
  }

  std::int64_t put(const std::string& env, const std::string& settings,
                   const std::string& author = "ana") {
    HttpResponse response = call("PUT", "/config/svc?env=" + env,
                                 R"({"settings":)" + settings + R"(,"author":")" + author + "\"}");
    EXPECT_EQ(response.status, 200) << response.body;
    return response.status == 200 ? json_of(response).at("version").as_int64() : -1;
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<ServiceProcess> service_;
};

TEST_P(ConfigApiTest, PutThenGetMergesTheDefaultAndTheEnvironment) {
  EXPECT_EQ(call("GET", "/config/nobody").status, 404);
  HttpResponse empty = call("GET", "/config/svc");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(json_of(empty).at("version").as_int64(), 0);

  EXPECT_EQ(put("default", R"({"log.level":"info","pool":"8"})"), 1);
  EXPECT_EQ(put("prod", R"({"pool":"32"})"), 2);
  HttpResponse prod = call("GET", "/config/svc?env=prod");
  ASSERT_EQ(prod.status, 200) << prod.body;
  EXPECT_EQ(prod.header("ETag"), "\"2\"");
  const auto body = json_of(prod);
  EXPECT_EQ(body.at("service").as_string(), "svc");
  EXPECT_EQ(body.at("env").as_string(), "prod");
  EXPECT_EQ(body.at("version").as_int64(), 2);
  EXPECT_EQ(body.at("settings").as_object(),
            (boost::json::object{{"log.level", "info"}, {"pool", "32"}}));
  EXPECT_EQ(json_of(call("GET", "/config/svc")).at("settings").at("pool").as_string(), "8");
}

TEST_P(ConfigApiTest, AnInvalidDocumentAnswers422ListingEveryBadKey) {
  HttpResponse response =
      call("PUT", "/config/svc",
           R"({"settings":{"log.level":"loud","pool":"65","strict":"yes","nope":"1"}})");
  ASSERT_EQ(response.status, 422) << response.body;
  const auto problem = json_of(response);
  std::set<std::string> fields;
  for (const auto& error : problem.at("errors").as_array())
    fields.insert(std::string(error.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"settings.log.level", "settings.pool", "settings.strict",
                                           "settings.nope", "author"}));
  EXPECT_EQ(call("PUT", "/config/svc", "{nope").status, 400);
  EXPECT_EQ(call("PUT", "/config/nobody", R"({"settings":{},"author":"a"})").status, 404);
  EXPECT_EQ(call("PUT", "/config/svc/schema", R"({"settings":[{"key":"a","type":"x"}]})").status,
            422);
  EXPECT_EQ(call("GET", "/config/svc?wait=61s&after=0").status, 400);
}

TEST_P(ConfigApiTest, IfMatchMustNameTheServiceVersion) {
  ASSERT_EQ(put("default", R"({"pool":"2"})"), 1);
  const std::string body = R"({"settings":{"pool":"3"},"author":"ana"})";
  EXPECT_EQ(call("PUT", "/config/svc", body, {{"If-Match", "\"0\""}}).status, 412);
  HttpResponse ok = call("PUT", "/config/svc", body, {{"If-Match", "\"1\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.header("ETag"), "\"2\"");
}

TEST_P(ConfigApiTest, HistoryDiffAndRollback) {
  ASSERT_EQ(put("default", R"({"log.level":"info","pool":"8"})", "ana"), 1);
  ASSERT_EQ(put("prod", R"({"pool":"16"})"), 2);
  ASSERT_EQ(put("default", R"({"log.level":"debug","strict":"true"})", "bo"), 3);

  HttpResponse history = call("GET", "/config/svc/history?env=default&limit=10");
  ASSERT_EQ(history.status, 200) << history.body;
  const auto history_body = json_of(history);
  const auto& versions = history_body.at("versions").as_array();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].at("version").as_int64(), 3);
  EXPECT_EQ(versions[0].at("author").as_string(), "bo");
  EXPECT_FALSE(versions[0].at("created_at").as_string().empty());
  EXPECT_EQ(versions[1].at("version").as_int64(), 1);
  EXPECT_EQ(call("GET", "/config/svc/history?limit=0").status, 400);

  HttpResponse diff = call("GET", "/config/svc/diff?env=default&from=1&to=3");
  ASSERT_EQ(diff.status, 200) << diff.body;
  const auto diff_body = json_of(diff);
  const auto& changes = diff_body.at("changes").as_array();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0],
            (boost::json::object{{"key", "log.level"}, {"from", "info"}, {"to", "debug"}}));
  EXPECT_EQ(changes[1], (boost::json::object{{"key", "pool"}, {"from", "8"}, {"to", nullptr}}));
  EXPECT_EQ(changes[2],
            (boost::json::object{{"key", "strict"}, {"from", nullptr}, {"to", "true"}}));
  EXPECT_EQ(call("GET", "/config/svc/diff?env=default&from=1&to=2").status, 404);
  EXPECT_EQ(call("GET", "/config/svc/diff?from=x").status, 400);

  HttpResponse rolled =
      call("POST", "/config/svc/rollback?env=default", R"({"to_version":1,"author":"cy"})");
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  EXPECT_EQ(json_of(rolled).at("version").as_int64(), 4);
  EXPECT_EQ(json_of(call("GET", "/config/svc")).at("settings").as_object(),
            (boost::json::object{{"log.level", "info"}, {"pool", "8"}}));
  EXPECT_EQ(call("POST", "/config/svc/rollback", R"({"to_version":2,"author":"cy"})").status, 404);
  EXPECT_EQ(call("POST", "/config/svc/rollback", R"({"to_version":1})").status, 422);
}

TEST_P(ConfigApiTest, AWatchReturnsAsSoonAsAnotherClientPuts) {
  ASSERT_EQ(put("default", R"({"pool":"2"})"), 1);
  const auto started = std::chrono::steady_clock::now();
  auto watch = std::async(std::launch::async,
                          [&] { return call("GET", "/config/svc?env=prod&wait=10s&after=1"); });
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(watch.wait_for(0ms), std::future_status::timeout) << "answered before any change";
  ASSERT_EQ(put("default", R"({"pool":"3"})"), 2);  // a change to default wakes prod
  HttpResponse response = watch.get();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json_of(response).at("version").as_int64(), 2);
  EXPECT_EQ(json_of(response).at("settings").at("pool").as_string(), "3");
}

INSTANTIATE_TEST_SUITE_P(Backends, ConfigApiTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
}  // namespace config_service
