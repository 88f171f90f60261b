// The subject-service over real HTTP: the built binary, started per test on SQLite and on
// PostgreSQL, driven by a raw client. Every (method, route, status) seen here must be in
// the service's OpenAPI document (checked when the test program ends).
#include "api/subject_api.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <soci/soci.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api/openapi.h"
#include "application/fake_subject_repository.h"
#include "infrastructure/migrations.h"
#include "platform/core/strings.h"
#include "platform/db/migrations.h"
#include "platform/events/consumer.h"
#include "platform/events/outbox.h"
#include "platform/http/health.h"
#include "platform/http/identity.h"
#include "platform/service/legacy_imports.h"
#include "platform/service/openapi.h"
#include "platform/testing/gateway_in_front.h"
#include "platform/testing/http_client.h"
#include "platform/testing/openapi_coverage.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/test_database.h"

namespace subject_service {
namespace {

using platform::testing::HttpResponse;
using platform::testing::RawConnection;
using platform::testing::ServiceProcess;
using platform::testing::TestBackend;
using namespace std::chrono_literals;

// --- the OpenAPI document must describe every answer the service gave -------------------

std::string route_of(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  if (path.starts_with("/subjects/")) return "/subjects/{id}";
  return path;
}

platform::testing::OpenApiCoverage& coverage =
    platform::testing::OpenApiCoverage::install(api::openapi_document(), route_of);

// --- fixture ----------------------------------------------------------------------------

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

std::string subject_body(const std::string& code, const std::string& name = "Programming",
                         const std::string& department = "Computer Science") {
  return boost::json::serialize(boost::json::object{
      {"code", code}, {"name", name}, {"credits", 6}, {"department", department}});
}

class SubjectApiTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override { start(); }

  void restart(platform::testing::Environment extra) {
    EXPECT_EQ(service_->terminate(), 0);
    start(std::move(extra));
  }

  void start(platform::testing::Environment extra = {}) {
    platform::testing::Environment env{{"SYL_HTTP_PORT", "0"},
                                       {"SYL_DATABASE_URL", database_.url()},
                                       {"SYL_REDIS_URL", platform::testing::redis_server_url()},
                                       {"SYL_HTTP_READ_TIMEOUT_MS", "2000"}};
    for (auto& [name, value] : extra) {
      bool replaced = false;
      for (auto& entry : env)
        if (entry.first == name) entry.second = value, replaced = true;
      if (!replaced) env.emplace_back(name, value);
    }
    service_ = std::make_unique<ServiceProcess>(SUBJECT_SERVICE_BINARY, env);
    // The `.through_gateway` run: the same suite with the api-gateway in front.
    gateway_.reset();
    if (platform::testing::through_gateway()) {
      gateway_ = std::make_unique<platform::testing::GatewayInFront>(
          std::vector<platform::testing::GatewayRoute>{{"/subjects", service_->port()}});
    }
  }

  // A call to the API: through the gateway in the `.through_gateway` run. The service's
  // operational endpoints (health, metrics, its own document) are always its own.
  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const platform::testing::HeaderList& headers = {}) {
    const bool api = target.starts_with("/subjects");
    HttpResponse response =
        gateway_ && api
            ? platform::testing::http_request(gateway_->port(), method, target, body,
                                              gateway_->authorize(headers))
            : platform::testing::http_request(service_->port(), method, target, body, headers);
    coverage.record(method, target, response.status);
    return response;
  }

  boost::json::object create(const std::string& code, const std::string& name = "Programming",
                             const std::string& department = "Computer Science") {
    HttpResponse response = call("POST", "/subjects", subject_body(code, name, department));
    EXPECT_EQ(response.status, 201) << response.body;
    return json_of(response);
  }

  static void expect_problem(const HttpResponse& response, int status) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json") << response.body;
    const auto problem = json_of(response);
    EXPECT_EQ(problem.at("status").as_int64(), status);
    EXPECT_TRUE(problem.contains("type"));
    EXPECT_TRUE(problem.contains("title"));
  }

  std::size_t count_subjects() {
    HttpResponse response = call("GET", "/subjects?limit=200");
    return json_of(response).at("items").as_array().size();
  }

  platform::testing::TestDatabase database_{GetParam()};
  std::unique_ptr<ServiceProcess> service_;
  std::unique_ptr<platform::testing::GatewayInFront> gateway_;
};

// --- bulk import from the legacy system -------------------------------------------------

std::string legacy_line(const std::string& legacy_id, const std::string& code,
                        const std::string& created_at = "2019-09-01T08:00:00Z") {
  return boost::json::serialize(
             boost::json::object{{"legacy_id", legacy_id},
                                 {"created_at", created_at},
                                 {"updated_at", "2021-02-03T10:00:00Z"},
                                 {"subject", boost::json::parse(subject_body(code))}}) +
         "\n";
}

const platform::testing::HeaderList kNdjson = {{"Content-Type", "application/x-ndjson"}};

// --- create -----------------------------------------------------------------------------

TEST_P(SubjectApiTest, CreateAnswers201WithTheSubjectLocationAndETag) {
  HttpResponse response = call("POST", "/subjects", subject_body("CS-101"));
  ASSERT_EQ(response.status, 201) << response.body;
  const auto subject = json_of(response);
  const std::string id(subject.at("id").as_string());
  EXPECT_EQ(response.header("Location"), "/subjects/" + id);
  EXPECT_EQ(response.header("ETag"), "\"1\"");
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_EQ(subject.at("code").as_string(), "CS-101");
  EXPECT_EQ(subject.at("credits").as_int64(), 6);
  EXPECT_EQ(subject.at("version").as_int64(), 1);
  EXPECT_EQ(subject.at("description").as_string(), "");
  EXPECT_FALSE(response.header("X-Request-ID").empty());
}

TEST_P(SubjectApiTest, CreateWithATakenCodeAnswers409) {
  create("CS-101");
  HttpResponse response = call("POST", "/subjects", subject_body("CS-101", "Other"));
  expect_problem(response, 409);
  EXPECT_EQ(json_of(response).at("detail").as_string(),
            "a subject with code CS-101 exists already");
  EXPECT_EQ(count_subjects(), 1u);
}

TEST_P(SubjectApiTest, CreateWithInvalidFieldsAnswers422ListingEveryOne) {
  HttpResponse response =
      call("POST", "/subjects", R"({"code":"bad code","credits":"six","department":7,"colour":1})");
  expect_problem(response, 422);
  const auto problem = json_of(response);
  const auto& errors = problem.at("errors").as_array();
  std::set<std::string> fields;
  for (const auto& error : errors) fields.insert(std::string(error.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"code", "name", "credits", "department", "colour"}));
  EXPECT_EQ(count_subjects(), 0u);
}

TEST_P(SubjectApiTest, ImportCreatesLegacySubjectsOnceKeepingTheirTimes) {
  const std::string batch = legacy_line("17", "CS-101") + legacy_line("18", "MA-201");

  HttpResponse first = call("POST", "/admin/imports/subjects", batch, kNdjson);
  ASSERT_EQ(first.status, 200) << first.body;
  const auto results = json_of(first);
  EXPECT_EQ(results.at("created").as_int64(), 2);
  const auto& rows = results.at("results").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("legacy_id").as_string(), "17");
  EXPECT_EQ(rows[0].at("outcome").as_string(), "created");
  const std::string id(rows[0].at("id").as_string());
  const auto subject = json_of(call("GET", "/subjects/" + id));
  EXPECT_EQ(subject.at("code").as_string(), "CS-101");
  EXPECT_EQ(subject.at("created_at").as_string(), "2019-09-01T08:00:00.000000Z");
  EXPECT_EQ(subject.at("updated_at").as_string(), "2021-02-03T10:00:00.000000Z");

  // A resumed migration sends the batch again: the same ids, nothing new.
  HttpResponse again = call("POST", "/admin/imports/subjects", batch, kNdjson);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_of(again).at("existing").as_int64(), 2);
  EXPECT_EQ(json_of(again).at("results").as_array()[0].at("id").as_string(), id);
  EXPECT_EQ(count_subjects(), 2u);

  HttpResponse mapping = call("GET", "/admin/imports/subjects?limit=1");
  ASSERT_EQ(mapping.status, 200) << mapping.body;
  const auto page = json_of(mapping);
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(page.at("items").as_array()[0].at("id").as_string(), id);
  HttpResponse rest =
      call("GET", "/admin/imports/subjects?after=" + std::string(page.at("next").as_string()));
  ASSERT_EQ(rest.status, 200);
  EXPECT_EQ(json_of(rest).at("items").as_array()[0].at("legacy_id").as_string(), "18");
  EXPECT_TRUE(json_of(rest).at("next").is_null());
}

TEST_P(SubjectApiTest, ImportRefusesTheWholeBatchForOneBadLineNamingIt) {
  const std::string batch = legacy_line("1", "CS-101") + legacy_line("2", "bad code", "yesterday");

  HttpResponse response = call("POST", "/admin/imports/subjects", batch, kNdjson);

  expect_problem(response, 422);
  std::set<std::string> fields;
  const auto problem = json_of(response);
  for (const auto& error : problem.at("errors").as_array())
    fields.insert(std::string(error.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"lines[2].created_at", "lines[2].subject.code"}));
  EXPECT_EQ(count_subjects(), 0u);
  expect_problem(call("POST", "/admin/imports/subjects", "{\"legacy_id\":", kNdjson), 400);
  expect_problem(call("POST", "/admin/imports/subjects", legacy_line("1", "CS-101")), 415);
  expect_problem(call("GET", "/admin/imports/subjects?limit=0"), 422);
  EXPECT_EQ(count_subjects(), 0u);
}

TEST_P(SubjectApiTest, ImportAnswersConflictForACodeTakenOnThePlatform) {
  const std::string native(create("CS-101").at("id").as_string());

  HttpResponse response = call("POST", "/admin/imports/subjects",
                               legacy_line("5", "CS-101") + legacy_line("6", "PH-100"), kNdjson);

  ASSERT_EQ(response.status, 200) << response.body;
  const auto results = json_of(response);
  const auto& rows = results.at("results").as_array();
  EXPECT_EQ(rows[0].at("outcome").as_string(), "conflict");
  EXPECT_NE(std::string(rows[0].at("detail").as_string()).find(native), std::string::npos);
  EXPECT_EQ(rows[1].at("outcome").as_string(), "created");
  EXPECT_EQ(count_subjects(), 2u);
}

TEST_P(SubjectApiTest, ImportIsForAdminsOnceTheServiceKnowsTheGatewaysKeys) {
  constexpr std::string_view kKeys = "gw1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  restart({{"SYL_GATEWAY_IDENTITY_KEYS", std::string(kKeys)}});
  const auto as = [&](const std::string& roles) {
    static const auto keys = platform::http::IdentityKeys::parse(kKeys);
    const std::string request_id = platform::testing::unique_name("req");
    platform::http::Caller caller{.user_id = "migrator", .roles = {roles}};
    return platform::testing::HeaderList{
        {"Content-Type", "application/x-ndjson"},
        {"X-Request-ID", request_id},
        {"X-User-ID", "migrator"},
        {"X-User-Roles", roles},
        {"X-User-Signature",
         platform::http::sign_identity(*keys, caller, request_id, std::time(nullptr))}};
  };

  expect_problem(call("POST", "/admin/imports/subjects", legacy_line("1", "CS-101"), kNdjson), 403);
  expect_problem(call("POST", "/admin/imports/subjects", legacy_line("1", "CS-101"), as("editor")),
                 403);
  expect_problem(call("GET", "/admin/imports/subjects"), 403);
  EXPECT_EQ(call("POST", "/admin/imports/subjects", legacy_line("1", "CS-101"), as("admin")).status,
            200);
}

TEST_P(SubjectApiTest, UnicodeAndQuoteLadenStringsRoundTripUnchanged) {
  const std::string name = "Ünïcødé \"quoted\" 'single' \\ back ✓ 𝄞 漢字 -- ; DROP TABLE subjects;";
  const std::string description = "line one\nline two\ttab <b>html</b> &amp; \u00e9";
  HttpResponse created = call("POST", "/subjects",
                              boost::json::serialize(boost::json::object{
                                  {"code", "U-1"}, {"name", name}, {"description", description}}));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto fetched = json_of(call("GET", created.header("Location")));
  EXPECT_EQ(fetched.at("name").as_string(), name);
  EXPECT_EQ(fetched.at("description").as_string(), description);
}

// --- read -------------------------------------------------------------------------------

TEST_P(SubjectApiTest, GetAnswers200WithETagAnd404ForUnknownOrMalformedIds) {
  const auto subject = create("CS-101");
  const std::string id(subject.at("id").as_string());
  HttpResponse found = call("GET", "/subjects/" + id);
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.header("ETag"), "\"1\"");
  EXPECT_EQ(json_of(found), subject);
  expect_problem(call("GET", "/subjects/" + platform::core::Uuid::v7().to_string()), 404);
  expect_problem(call("GET", "/subjects/not-a-uuid"), 404);
}

TEST_P(SubjectApiTest, GetWithTheCurrentETagInIfNoneMatchAnswers304) {
  const std::string id(create("CS-101").at("id").as_string());
  HttpResponse response = call("GET", "/subjects/" + id, "", {{"If-None-Match", "\"1\""}});
  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(call("GET", "/subjects/" + id, "", {{"If-None-Match", "\"7\""}}).status, 200);
}

TEST_P(SubjectApiTest, ListPagesWithCursorsNeverSkippingOrRepeatingWhileOthersInsert) {
  for (int i = 0; i < 12; ++i) create("OLD-" + std::to_string(i));
  std::vector<std::string> seen;
  std::string target = "/subjects?limit=5";
  int inserted = 0;
  for (int pages = 0; pages < 20; ++pages) {
    HttpResponse response = call("GET", target);
    ASSERT_EQ(response.status, 200) << response.body;
    const auto page = json_of(response);
    EXPECT_EQ(page.at("limit").as_int64(), 5);
    for (const auto& item : page.at("items").as_array())
      seen.emplace_back(item.at("code").as_string());
    create("NEW-" + std::to_string(inserted++));
    if (page.at("next_cursor").is_null()) break;
    target = "/subjects?limit=5&cursor=" + std::string(page.at("next_cursor").as_string());
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "an item was repeated";
  for (int i = 0; i < 12; ++i) EXPECT_TRUE(unique.contains("OLD-" + std::to_string(i))) << i;
}

TEST_P(SubjectApiTest, ListDefaultsToFiftyAndRefusesBadLimitsAndCursors) {
  for (int i = 0; i < 55; ++i) create("S-" + std::to_string(i));
  const auto page = json_of(call("GET", "/subjects"));
  EXPECT_EQ(page.at("items").as_array().size(), 50u);
  EXPECT_EQ(page.at("limit").as_int64(), 50);
  EXPECT_FALSE(page.at("next_cursor").is_null());
  EXPECT_EQ(json_of(call("GET", "/subjects?limit=200")).at("items").as_array().size(), 55u);
  expect_problem(call("GET", "/subjects?limit=201"), 400);
  expect_problem(call("GET", "/subjects?limit=0"), 400);
  expect_problem(call("GET", "/subjects?limit=ten"), 400);
  HttpResponse bad_cursor = call("GET", "/subjects?cursor=%21%21");
  expect_problem(bad_cursor, 400);
  EXPECT_EQ(json_of(bad_cursor).at("errors").as_array()[0].at("field").as_string(), "cursor");
}

TEST_P(SubjectApiTest, ListFiltersByDepartmentAndByTextInCodeOrName) {
  create("CS-101", "Programming", "Computer Science");
  create("CS-102", "Algorithms", "Computer Science");
  create("MA-201", "Linear Algebra", "Mathematics");
  const auto codes = [&](const std::string& query) {
    std::set<std::string> out;
    const auto page = json_of(call("GET", "/subjects?" + query));
    for (const auto& item : page.at("items").as_array()) out.emplace(item.at("code").as_string());
    return out;
  };
  EXPECT_EQ(codes("department=Mathematics"), (std::set<std::string>{"MA-201"}));
  EXPECT_EQ(codes("department=Computer+Science"), (std::set<std::string>{"CS-101", "CS-102"}));
  EXPECT_EQ(codes("q=algebra"), (std::set<std::string>{"MA-201"}));
  EXPECT_EQ(codes("q=cs-10"), (std::set<std::string>{"CS-101", "CS-102"}));
  EXPECT_EQ(codes("q=ALGO&department=Computer%20Science"), (std::set<std::string>{"CS-102"}));
  EXPECT_TRUE(codes("q=%25").empty());
}

// --- update -----------------------------------------------------------------------------

TEST_P(SubjectApiTest, PatchChangesOnlyTheGivenFieldsAndBumpsTheVersion) {
  const auto subject = create("CS-101");
  const std::string id(subject.at("id").as_string());
  HttpResponse response = call("PATCH", "/subjects/" + id, R"({"credits":8,"description":"New"})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.header("ETag"), "\"2\"");
  const auto changed = json_of(response);
  EXPECT_EQ(changed.at("credits").as_int64(), 8);
  EXPECT_EQ(changed.at("description").as_string(), "New");
  EXPECT_EQ(changed.at("name"), subject.at("name"));
  EXPECT_EQ(changed.at("created_at"), subject.at("created_at"));
  EXPECT_NE(changed.at("updated_at"), subject.at("updated_at"));
  HttpResponse merge_patch = call("PATCH", "/subjects/" + id, R"({"department":null})",
                                  {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(merge_patch.status, 200) << merge_patch.body;
  EXPECT_EQ(json_of(merge_patch).at("department").as_string(), "");
  EXPECT_EQ(json_of(merge_patch).at("version").as_int64(), 3);
}

TEST_P(SubjectApiTest, PatchWithAStaleIfMatchAnswers412AndChangesNothing) {
  const std::string id(create("CS-101").at("id").as_string());
  expect_problem(call("PATCH", "/subjects/" + id, R"({"credits":9})", {{"If-Match", "\"5\""}}),
                 412);
  EXPECT_EQ(json_of(call("GET", "/subjects/" + id)).at("credits").as_int64(), 6);
  HttpResponse current =
      call("PATCH", "/subjects/" + id, R"({"credits":9})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(current.status, 200) << current.body;
  expect_problem(call("PATCH", "/subjects/" + id, R"({"credits":10})", {{"If-Match", "\"1\""}}),
                 412);
  expect_problem(call("PATCH", "/subjects/" + id, R"({"credits":10})", {{"If-Match", "W/\"2\""}}),
                 412);
  expect_problem(call("PATCH", "/subjects/" + id, R"({"credits":10})", {{"If-Match", "two"}}), 400);
}

TEST_P(SubjectApiTest, PatchToATakenCodeAnswers409) {
  create("CS-101");
  const std::string id(create("CS-102").at("id").as_string());
  expect_problem(call("PATCH", "/subjects/" + id, R"({"code":"CS-101"})"), 409);
  EXPECT_EQ(json_of(call("GET", "/subjects/" + id)).at("code").as_string(), "CS-102");
}

TEST_P(SubjectApiTest, PatchWithInvalidFieldsAnswers422AndOfAnUnknownSubject404) {
  const std::string id(create("CS-101").at("id").as_string());
  HttpResponse invalid = call("PATCH", "/subjects/" + id, R"({"name":"","credits":100,"id":"x"})");
  expect_problem(invalid, 422);
  EXPECT_EQ(json_of(invalid).at("errors").as_array().size(), 3u);
  expect_problem(
      call("PATCH", "/subjects/" + platform::core::Uuid::v7().to_string(), R"({"credits":1})"),
      404);
}

// --- delete -----------------------------------------------------------------------------

TEST_P(SubjectApiTest, DeleteAnswers204ThenTheSubjectIsGone) {
  const std::string id(create("CS-101").at("id").as_string());
  expect_problem(call("DELETE", "/subjects/" + id, "", {{"If-Match", "\"3\""}}), 412);
  HttpResponse deleted = call("DELETE", "/subjects/" + id, "", {{"If-Match", "\"1\""}});
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  expect_problem(call("GET", "/subjects/" + id), 404);
  expect_problem(call("DELETE", "/subjects/" + id), 404);
  // The code is free again.
  create("CS-101");
}

// --- bad input --------------------------------------------------------------------------

TEST_P(SubjectApiTest, MalformedJsonAnswers400AndStoresNothing) {
  for (const char* body : {"{", "{\"code\":\"A\",}", "[1,2]", "null", "{} trailing", "\"text\""}) {
    expect_problem(call("POST", "/subjects", body), 400);
  }
  expect_problem(call("POST", "/subjects", ""), 400);
  EXPECT_EQ(count_subjects(), 0u);
}

TEST_P(SubjectApiTest, InvalidUtf8Answers400) {
  expect_problem(call("POST", "/subjects", "{\"code\":\"CS-1\",\"name\":\"\xC3\x28\"}"), 400);
  expect_problem(call("POST", "/subjects", "{\"code\":\"CS-1\",\"name\":\"\xED\xA0\x80\"}"), 400);
  EXPECT_EQ(count_subjects(), 0u);
}

TEST_P(SubjectApiTest, HundredThousandDeepNestingAnswers400) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_problem(call("POST", "/subjects", deep), 400);
  const std::string deep_object = "{\"code\":" + deep + "}";
  expect_problem(call("POST", "/subjects", deep_object), 400);
  EXPECT_EQ(call("GET", "/health/live").status, 200);
}

TEST_P(SubjectApiTest, EightMebibyteBodyAnswers413) {
  auto connection = RawConnection::connect(service_->port());
  const std::string body(std::size_t{8} * 1024 * 1024, 'x');
  connection.send_allow_error(platform::testing::format_request("POST", "/subjects", body));
  HttpResponse response = connection.read_response();
  expect_problem(response, 413);
  EXPECT_EQ(count_subjects(), 0u);
}

TEST_P(SubjectApiTest, WrongContentTypeAnswers415) {
  expect_problem(call("POST", "/subjects", subject_body("CS-1"), {{"Content-Type", "text/plain"}}),
                 415);
  expect_problem(call("POST", "/subjects", subject_body("CS-1"),
                      {{"Content-Type", "application/x-www-form-urlencoded"}}),
                 415);
  EXPECT_EQ(call("POST", "/subjects", subject_body("CS-1"),
                 {{"Content-Type", "application/json; charset=utf-8"}})
                .status,
            201);
}

TEST_P(SubjectApiTest, TwentyKilobyteUrlAnswers414) {
  expect_problem(call("GET", "/subjects?q=" + std::string(std::size_t{20} * 1024, 'a')), 414);
  EXPECT_EQ(call("GET", "/health/live").status, 200);
}

TEST_P(SubjectApiTest, UnknownRoutesAnswer404AndWrongMethods405WithAllow) {
  expect_problem(call("GET", "/nothing-here"), 404);
  HttpResponse response = call("PUT", "/subjects");
  expect_problem(response, 405);
  EXPECT_NE(response.header("Allow").find("POST"), std::string::npos);
  EXPECT_NE(response.header("Allow").find("GET"), std::string::npos);
}

TEST_P(SubjectApiTest, AStalledClientDoesNotHoldUpOthersAndIsDisconnected) {
  auto stalled = RawConnection::connect(service_->port());
  stalled.send(
      "POST /subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"code\":");
  for (int i = 0; i < 20; ++i) create("OK-" + std::to_string(i));
  // Served while the stalled request was still being waited for...
  EXPECT_FALSE(stalled.closed_by_peer(10ms));
  // ...which the read timeout then ends.
  EXPECT_TRUE(stalled.closed_by_peer(10s));
  EXPECT_EQ(count_subjects(), 20u);
}

TEST_P(SubjectApiTest, SixteenConcurrentCreatesOfOneCodeGiveOne201AndFifteen409) {
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      const int status =
          call("POST", "/subjects", subject_body("RACE-1", "Racer " + std::to_string(i))).status;
      if (status == 201)
        ++created;
      else if (status == 409)
        ++conflicts;
      else
        ++other;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, 15);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(count_subjects(), 1u);
}

// --- operations -------------------------------------------------------------------------

TEST_P(SubjectApiTest, ReadinessReportsTheDatabaseCheckWithItsLatency) {
  HttpResponse ready = call("GET", "/health/ready");
  ASSERT_EQ(ready.status, 200) << ready.body;
  const auto body = json_of(ready);
  EXPECT_EQ(body.at("status").as_string(), "up");
  const auto& database = body.at("checks").at("database").as_object();
  EXPECT_EQ(database.at("status").as_string(), "up");
  EXPECT_TRUE(database.at("latency_ms").is_number());
  EXPECT_EQ(call("GET", "/health/live").status, 200);
}

TEST_P(SubjectApiTest, MetricsCountRequestsByRouteTemplate) {
  const std::string id(create("CS-101").at("id").as_string());
  call("GET", "/subjects/" + id);
  HttpResponse metrics = call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(
                "http_requests_total{method=\"GET\",route=\"/subjects/{id}\",status=\"200\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_EQ(metrics.body.find(id), std::string::npos) << "raw paths must not become labels";
}

TEST_P(SubjectApiTest, RequestIdIsEchoedAndTraceparentContinued) {
  HttpResponse response =
      call("GET", "/subjects", "",
           {{"X-Request-ID", "req-abc-123"},
            {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_EQ(response.header("X-Request-ID"), "req-abc-123");
  ASSERT_TRUE(service_->wait_for_line(
      [](const std::string& line) {
        return line.find("\"request_id\":\"req-abc-123\"") != std::string::npos &&
               line.find("\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"") != std::string::npos;
      },
      2s));
}

TEST_P(SubjectApiTest, OpenApiDocumentIsServed) {
  HttpResponse response = call("GET", "/openapi.json");
  ASSERT_EQ(response.status, 200);
  const auto document = json_of(response);
  EXPECT_TRUE(document.at("openapi").as_string().starts_with("3."));
}

TEST_P(SubjectApiTest, SigtermDuringRequestsLosesNone) {
  // Eight keep-alive clients create subjects as fast as they can; SIGTERM arrives in the
  // middle. Every 201 must be stored, and no request may be carried out without an answer.
  struct ClientLog {
    std::vector<std::string> answered;    // codes answered 201
    std::vector<std::string> unanswered;  // codes whose request got no answer
    int other = 0;
  };
  std::vector<ClientLog> logs(8);
  std::atomic<bool> stop{false};
  std::atomic<int> answered_total{0};
  std::vector<std::thread> clients;
  const std::uint16_t port = service_->port();
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      try {
        auto connection = RawConnection::connect(port);
        for (int n = 0; !stop; ++n) {
          const std::string code = "T" + std::to_string(c) + "-" + std::to_string(n);
          try {
            connection.send(
                platform::testing::format_request("POST", "/subjects", subject_body(code)));
            HttpResponse response = connection.read_response(10s);
            if (response.status == 201) {
              logs[c].answered.push_back(code);
              ++answered_total;
            } else {
              ++logs[c].other;
            }
            if (response.header("Connection") == "close") break;
          } catch (const std::exception&) {
            logs[c].unanswered.push_back(code);
            break;
          }
        }
      } catch (const std::exception&) {
      }
    });
  while (answered_total < 50) std::this_thread::sleep_for(1ms);
  service_->send_signal(SIGTERM);
  EXPECT_EQ(service_->wait(20s), 0);
  stop = true;
  for (auto& client : clients) client.join();

  start();  // the same database, a new process
  // The search matches prefixes too ("T0-1" finds "T0-10"), so count exact codes.
  const auto stored_with_code = [&](const std::string& code) {
    const auto page = json_of(call("GET", "/subjects?limit=200&q=" + code));
    std::size_t found = 0;
    for (const auto& item : page.at("items").as_array())
      if (item.at("code").as_string() == code) ++found;
    return found;
  };

  std::size_t answered = 0;
  for (const ClientLog& log : logs) {
    EXPECT_EQ(log.other, 0);
    for (const std::string& code : log.answered) {
      ++answered;
      EXPECT_EQ(stored_with_code(code), 1u) << code << " was answered 201 but is not stored";
    }
    for (const std::string& code : log.unanswered)
      EXPECT_EQ(stored_with_code(code), 0u) << code << " was stored but its client got no answer";
  }
  EXPECT_GE(answered, 50u);
}

// --- events -----------------------------------------------------------------------------

TEST_P(SubjectApiTest, ARedisOutageLosesNoEventAndAConsumerAppliesEachOnce) {
  platform::testing::RedisServer redis;
  restart({{"SYL_REDIS_URL", redis.url()}});
  redis.stop();

  std::set<std::string> created_ids;
  for (int i = 0; i < 100; ++i) {
    HttpResponse response = call("POST", "/subjects", subject_body("OUT-" + std::to_string(i)));
    ASSERT_EQ(response.status, 201) << response.body;
    created_ids.emplace(json_of(response).at("id").as_string());
  }
  HttpResponse ready = call("GET", "/health/ready");
  EXPECT_EQ(ready.status, 200) << "a broker outage degrades the service, it does not stop it";
  EXPECT_EQ(json_of(ready).at("checks").at("broker").at("status").as_string(), "degraded");

  redis.start();

  // A consumer in its own database applies every subject.created.v1, counting each.
  platform::testing::TemporaryDirectory directory;
  auto consumer_db = platform::db::Database::open(
      {.url = "sqlite://" + (directory.path() / "consumer.db").string()});
  ASSERT_TRUE(consumer_db);
  ASSERT_TRUE(platform::db::migrate(**consumer_db, platform::events::migration_files()));
  std::mutex mutex;
  std::map<std::string, int> applied;
  platform::logging::Logger logger("test-consumer", "test-consumer-1",
                                   platform::logging::Level::kWarn, [](std::string_view) {});
  platform::metrics::Registry registry;
  platform::events::Consumer consumer(**consumer_db,
                                      {.stream = "events.subject",
                                       .group = "outage-test",
                                       .consumer = "outage-test-1",
                                       .redis = {.url = redis.url()},
                                       .block = std::chrono::milliseconds(200)},
                                      logger, registry);
  consumer.on("subject.created", 1,
              [&](const platform::events::Event& event, platform::db::Session&) {
                std::lock_guard lock(mutex);
                ++applied[event.subject];
                return platform::core::ok();
              });
  consumer.start();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (applied.size() >= created_ids.size()) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(300ms);  // time for a duplicate to show up, if one would
  consumer.stop();

  std::lock_guard lock(mutex);
  EXPECT_EQ(applied.size(), 100u);
  for (const auto& id : created_ids) EXPECT_EQ(applied[id], 1) << id;
  EXPECT_EQ(
      json_of(call("GET", "/health/ready")).at("checks").at("broker").at("status").as_string(),
      "up");
}

INSTANTIATE_TEST_SUITE_P(Backends, SubjectApiTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

// --- start-up and the migrate command ---------------------------------------------------

TEST(SubjectServiceCommand, RefusesBadSettingsNamingEachOne) {
  auto result = platform::testing::run_process(
      SUBJECT_SERVICE_BINARY,
      {{"SYL_HTTP_PORT", "http"}, {"SYL_LOG_LEVEL", "loud"}, {"SYL_NOPE", "1"}}, {});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("SYL_HTTP_PORT: must be an integer"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("SYL_LOG_LEVEL: must be one of"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("SYL_NOPE: is not a known setting"), std::string::npos)
      << result.output;
}

TEST(SubjectServiceCommand, RefusesAConfigServiceWithoutAPlatformToken) {
  platform::testing::TemporaryDirectory directory;
  auto result = platform::testing::run_process(
      SUBJECT_SERVICE_BINARY,
      {{"SYL_HTTP_PORT", "0"},
       {"SYL_DATABASE_URL", "sqlite://" + (directory.path() / "s.db").string()},
       {"SYL_CONFIG_SERVICE_URL", "http://127.0.0.1:9"}},
      {});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("SYL_PLATFORM_TOKEN: is required with SYL_CONFIG_SERVICE_URL"),
            std::string::npos)
      << result.output;
}

TEST(SubjectServiceCommand, MigrateAppliesTheSchemaOnceAndExits) {
  platform::testing::TemporaryDirectory directory;
  const std::string url = "sqlite://" + (directory.path() / "subjects.db").string();
  // The service's own migrations and the event library's outbox and inbox.
  const auto expected = platform::db::select_migrations(infrastructure::migration_files(),
                                                        platform::db::Backend::kSqlite);
  ASSERT_TRUE(expected);
  auto first = platform::testing::run_process(SUBJECT_SERVICE_BINARY, {{"SYL_DATABASE_URL", url}},
                                              {"migrate"});
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("\"migrations_applied\":" + std::to_string(expected->size())),
            std::string::npos)
      << first.output;
  auto second = platform::testing::run_process(SUBJECT_SERVICE_BINARY, {{"SYL_DATABASE_URL", url}},
                                               {"migrate"});
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("\"migrations_applied\":0"), std::string::npos) << second.output;
}

TEST_P(SubjectApiTest, ProbeSaysWhetherTheServiceAnswersItsLiveness) {
  // A container's HEALTHCHECK: the image has no curl, the binary asks itself.
  const auto up = platform::testing::run_process(
      SUBJECT_SERVICE_BINARY, {{"SYL_HTTP_PORT", std::to_string(service_->port())}}, {"probe"});
  EXPECT_EQ(up.exit_code, 0) << up.output;
  EXPECT_EQ(service_->terminate(), 0);
  const auto down = platform::testing::run_process(
      SUBJECT_SERVICE_BINARY, {{"SYL_HTTP_PORT", std::to_string(service_->port())}}, {"probe"});
  EXPECT_EQ(down.exit_code, 1) << down.output;
  start();
}

TEST_P(SubjectApiTest, MigrateVerifyFindsTheSchemaExactAndNamesAHandMadeChange) {
  const platform::testing::Environment env{{"SYL_DATABASE_URL", database_.url()}};
  auto verified =
      platform::testing::run_process(SUBJECT_SERVICE_BINARY, env, {"migrate", "--verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("schema verified"), std::string::npos) << verified.output;

  auto database = platform::db::Database::open({.url = database_.url(), .pool_size = 1});
  ASSERT_TRUE(database);
  ASSERT_TRUE((*database)->run_transaction([](platform::db::Session& session) {
    session.sql() << "CREATE INDEX subjects_name_by_hand ON subjects (name)";
    return platform::core::ok();
  }));
  verified = platform::testing::run_process(SUBJECT_SERVICE_BINARY, env, {"migrate", "--verify"});
  EXPECT_EQ(verified.exit_code, 1) << verified.output;
  EXPECT_NE(verified.output.find("has what no migration makes: index subjects_name_by_hand"),
            std::string::npos)
      << verified.output;
}

TEST(SubjectServiceCommand, StartsWithNothingConfiguredInItsWorkingDirectory) {
  platform::testing::TemporaryDirectory directory;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(directory.path());
  {
    ServiceProcess service(SUBJECT_SERVICE_BINARY, {{"SYL_HTTP_PORT", "0"}});
    EXPECT_EQ(platform::testing::http_request(service.port(), "GET", "/health/ready").status, 200);
    EXPECT_EQ(service.terminate(), 0);
  }
  EXPECT_TRUE(std::filesystem::exists(directory.path() / "var" / "subject-service.db"));
  std::filesystem::current_path(previous);
}

TEST(OpenApiDocument, DocumentsEveryRouteTheServiceServes) {
  testing::FakeSubjectRepository repository;
  const auto clock = [] { return platform::core::now_utc(); };
  application::CreateSubjectHandler create(repository, clock,
                                           [] { return platform::core::Uuid::v7(); });
  application::UpdateSubjectHandler update(repository, clock);
  application::DeleteSubjectHandler remove(repository, clock);
  application::GetSubjectHandler get(repository);
  application::ListSubjectsHandler list(repository);
  platform::http::Router router;
  api::add_routes(router, {create, update, remove, get, list});
  // The route table only: no request is served.
  platform::service::add_import_routes(
      router, {.kind = "subjects", .import = [](platform::http::Request&) {
                 return platform::core::Result<std::vector<platform::core::ImportResult>>(
                     std::vector<platform::core::ImportResult>{});
               }});
  platform::service::add_openapi_route(router, api::openapi_document());
  platform::http::Health health;
  platform::metrics::Registry registry;
  platform::http::mount_operational_routes(router, health, registry);

  platform::testing::expect_documents_every_route(router, api::openapi_document());
}

}  // namespace
}  // namespace subject_service
