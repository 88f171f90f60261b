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
#include "platform/testing/platform_token.h"
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
        CONFIG_SERVICE_BINARY,
        platform::testing::Environment{{"SYL_HTTP_PORT", "0"},
                                       {"SYL_DATABASE_URL", database_.url()},
                                       {"SYL_WORKER_THREADS", "4"},
                                       {"SYL_DATABASE_POOL_SIZE", "4"},
                                       {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}});
    ASSERT_EQ(call("PUT", "/config/svc/schema", kSchema).status, 200);
  }

  // Sends the platform token unless `with_token` is false.
  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "", const platform::testing::HeaderList& headers = {},
                    bool with_token = true) {
    platform::testing::HeaderList all = headers;
    if (with_token) all.push_back(platform::testing::authorization());
    if (!body.empty()) all.push_back({"Content-Type", "application/json"});
    HttpResponse response =
        platform::testing::http_request(service_->port(), method, target, body, all);
    coverage.record(method, target, response.status);
    return response;
  }

  std::int64_t put(const std::string& env, const std::string& settings,
                   const std::string& author = "ana") {
    return put_to("svc", env, settings, author);
  }
  std::int64_t put_to(const std::string& service, const std::string& env,
                      const std::string& settings, const std::string& author = "ana") {
    HttpResponse response = call("PUT", "/config/" + service + "?env=" + env,
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

TEST_P(ConfigApiTest, EveryWriteWithoutThePlatformTokenIsRefusedWith401) {
  ASSERT_EQ(put("default", R"({"pool":"2"})"), 1);
  const platform::testing::HeaderList wrong{
      platform::testing::authorization("test-platform-token-0123456789abcdef-")};
  struct Write {
    std::string method, target, body;
  };
  for (const Write& write :
       {Write{"PUT", "/config/svc/schema", kSchema},
        Write{"PUT", "/config/svc", R"({"settings":{"pool":"4"},"author":"eve"})"},
        Write{"POST", "/config/svc/rollback", R"({"to_version":1,"author":"eve"})"}}) {
    HttpResponse missing = call(write.method, write.target, write.body, {}, false);
    EXPECT_EQ(missing.status, 401) << write.method << " " << write.target;
    EXPECT_EQ(missing.header("WWW-Authenticate"), "Bearer realm=\"syllabus-platform\"");
    HttpResponse refused = call(write.method, write.target, write.body, wrong, false);
    EXPECT_EQ(refused.status, 401) << write.method << " " << write.target;
    EXPECT_EQ(refused.header("WWW-Authenticate"),
              "Bearer realm=\"syllabus-platform\", error=\"invalid_token\"");
  }
  // Nothing changed; a document without secrets reads without the token.
  HttpResponse read = call("GET", "/config/svc", "", {}, false);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(json_of(read).at("version").as_int64(), 1);
  EXPECT_EQ(call("GET", "/config/svc/history", "", {}, false).status, 200);
  EXPECT_EQ(call("GET", "/config/svc/diff?from=1&to=1", "", {}, false).status, 200);
}

TEST_P(ConfigApiTest, ReadsThatWouldShowASecretSettingNeedThePlatformToken) {
  ASSERT_EQ(call("PUT", "/config/vault/schema", R"({"settings":[
      {"key":"api.key","type":"string","secret":true,"description":"a secret"},
      {"key":"log.level","type":"string"}]})")
                .status,
            200);
  EXPECT_EQ(put_to("vault", "default", R"({"log.level":"info"})"), 1);
  // No secret in the document yet: open.
  EXPECT_EQ(call("GET", "/config/vault", "", {}, false).status, 200);
  EXPECT_EQ(put_to("vault", "default", R"({"log.level":"info","api.key":"s3cr3t"})"), 2);

  for (const std::string target :
       {"/config/vault", "/config/vault/history", "/config/vault/diff?from=1&to=2",
        "/config/vault?wait=1s&after=0"}) {
    HttpResponse refused = call("GET", target, "", {}, false);
    EXPECT_EQ(refused.status, 401) << target;
    EXPECT_EQ(refused.body.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(refused.header("WWW-Authenticate"), "Bearer realm=\"syllabus-platform\"") << target;
    EXPECT_EQ(call("GET", target).status, 200) << target;
  }
  EXPECT_EQ(json_of(call("GET", "/config/vault")).at("settings").at("api.key").as_string(),
            "s3cr3t");
  // A diff that does not touch the secret stays open.
  EXPECT_EQ(put_to("vault", "default", R"({"log.level":"debug","api.key":"s3cr3t"})"), 3);
  EXPECT_EQ(call("GET", "/config/vault/diff?from=2&to=3", "", {}, false).status, 200);
}

TEST_P(ConfigApiTest, AWatchReturnsAsSoonAsAnotherClientPuts) {
  ASSERT_EQ(put("default", R"({"pool":"2"})"), 1);
  const auto started = std::chrono::steady_clock::now();
  auto watch = std::async(std::launch::async,
                          [&] { return call("GET", "/config/svc?env=prod&wait=10s&after=1"); });
  ASSERT_TRUE(
      platform::testing::wait_for_metric(service_->port(), "config_watches_waiting", 1, 5s));
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
