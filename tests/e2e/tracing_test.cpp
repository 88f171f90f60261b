// One trace across the platform: a request through the api-gateway to the
// syllabus-service, its call to the subject-service, and an event from the
// subject-service to the syllabus-service's consumer. Every service is the built binary;
// the spans are read from their logs, as `sylctl trace` reads them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "platform/auth/mint.h"
#include "platform/testing/http_client.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using platform::testing::Environment;
using platform::testing::ServiceProcess;

constexpr const char* kJwtSecret = "a-jwt-secret-for-the-tracing-test-0123456789";
constexpr const char* kIdentityKeys = "gw1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

struct SpanSeen {
  std::string service;
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string name;
  std::int64_t kind = 0;
  std::vector<std::string> links;
};

class Tracing : public ::testing::Test {
 protected:
  void SetUp() override {
    // A broker of its own: on the shared one, the syllabus-service of a test running at
    // the same time (ctest -j) is in the same consumer group, and may take this test's
    // event and log its span.
    const std::string redis = redis_.url();
    const Environment common{{"SYL_HTTP_PORT", "0"},
                             {"SYL_REDIS_URL", redis},
                             {"SYL_GATEWAY_IDENTITY_KEYS", kIdentityKeys}};
    subjects_ = start(SUBJECT_SERVICE_BINARY, common, "subjects");
    files_ = start(FILE_SERVICE_BINARY, common, "files",
                   {{"SYL_STORAGE_LOCAL_ROOT", (dir_.path() / "storage").string()}});
    const Environment peers{{"SYL_PEERS_SUBJECT_SERVICE_URL", url(*subjects_)},
                            {"SYL_PEERS_FILE_SERVICE_URL", url(*files_)}};
    syllabi_ = start(SYLLABUS_SERVICE_BINARY, common, "syllabi", peers);
    Environment gateway = peers;
    gateway.emplace_back("SYL_PEERS_SYLLABUS_SERVICE_URL", url(*syllabi_));
    gateway.emplace_back("SYL_AUTH_JWT_SECRET", kJwtSecret);
    gateway_ = start(API_GATEWAY_BINARY, common, "gateway", gateway);
    token_ = *platform::auth::mint_hs256(
        {.subject = "alice", .roles = {"editor"}, .issued_at = std::time(nullptr)}, kJwtSecret);
  }

  std::unique_ptr<ServiceProcess> start(const char* binary, Environment env,
                                        const std::string& name, const Environment& extra = {}) {
    env.emplace_back("SYL_DATABASE_URL", "sqlite://" + (dir_.path() / (name + ".db")).string());
    for (const auto& entry : extra) env.push_back(entry);
    return std::make_unique<ServiceProcess>(binary, env);
  }
  static std::string url(const ServiceProcess& process) {
    return "http://127.0.0.1:" + std::to_string(process.port());
  }

  platform::testing::HttpResponse call(const std::string& method, const std::string& target,
                                       const std::string& body, const std::string& traceparent) {
    return platform::testing::http_request(
        gateway_->port(), method, target, body,
        {{"Authorization", "Bearer " + token_}, {"traceparent", traceparent}});
  }

  // Every span the four services logged so far.
  std::vector<SpanSeen> spans() const {
    std::vector<SpanSeen> out;
    for (const ServiceProcess* process : {gateway_.get(), syllabi_.get(), subjects_.get()}) {
      for (const std::string& line : process->output()) {
        if (line.find("\"msg\":\"span\"") == std::string::npos) continue;
        const auto object = boost::json::parse(line).as_object();
        const auto& span = object.at("span").as_object();
        SpanSeen seen{std::string(object.at("service").as_string()),
                      std::string(span.at("traceId").as_string()),
                      std::string(span.at("spanId").as_string()),
                      span.contains("parentSpanId")
                          ? std::string(span.at("parentSpanId").as_string())
                          : std::string(),
                      std::string(span.at("name").as_string()),
                      span.at("kind").as_int64(),
                      {}};
        if (const auto* links = span.if_contains("links")) {
          for (const auto& link : links->as_array())
            seen.links.emplace_back(link.at("spanId").as_string());
        }
        out.push_back(std::move(seen));
      }
    }
    return out;
  }

  // The one span of `trace_id` named `name` (by `service`), waiting for it to be logged.
  SpanSeen span_named(const std::string& trace_id, const std::string& service,
                      const std::string& name) const {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<SpanSeen> found;
      for (auto& span : spans())
        if (span.trace_id == trace_id && span.service == service && span.name == name)
          found.push_back(span);
      if (found.size() == 1) return found[0];
      if (found.size() > 1) {
        ADD_FAILURE() << found.size() << " spans named " << name << " in " << service;
        return found[0];
      }
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "no span " << name << " of " << service << " in trace " << trace_id;
    return {};
  }

  platform::testing::TemporaryDirectory dir_;
  platform::testing::RedisServer redis_;  // declared before the services: outlives them
  std::unique_ptr<ServiceProcess> subjects_, files_, syllabi_, gateway_;
  std::string token_;
};

TEST_F(Tracing, ARequestIsOneTraceAcrossTheGatewayAndTheServicesWithCorrectParents) {
  const std::string setup_trace = "1bf92f3577b34da6a3ce929d0e0e4736";
  const auto subject =
      call("POST", "/api/v1/subjects", R"({"code":"TR-101","name":"Tracing","credits":6})",
           "00-" + setup_trace + "-00f067aa0ba902b7-01");
  ASSERT_EQ(subject.status, 201) << subject.body;
  const std::string subject_id(boost::json::parse(subject.body).at("id").as_string());

  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string callers_span = "00f067aa0ba902b7";
  const boost::json::object syllabus{{"subject_id", subject_id},
                                     {"academic_year", "2026/2027"},
                                     {"term", "autumn"},
                                     {"title", "Tracing in practice"}};
  const auto created = call("POST", "/api/v1/syllabi", boost::json::serialize(syllabus),
                            "00-" + trace + "-" + callers_span + "-01");
  ASSERT_EQ(created.status, 201) << created.body;

  // gateway server <- caller; gateway client -> syllabus server -> syllabus client ->
  // subject server: each the parent of the next.
  const SpanSeen entry = span_named(trace, "api-gateway", "POST /api/v1/syllabi");
  EXPECT_EQ(entry.parent_span_id, callers_span);
  EXPECT_EQ(entry.kind, 2);
  const SpanSeen forward = span_named(trace, "api-gateway", "POST syllabus-service");
  EXPECT_EQ(forward.parent_span_id, entry.span_id);
  EXPECT_EQ(forward.kind, 3);
  const SpanSeen create = span_named(trace, "syllabus-service", "POST /syllabi");
  EXPECT_EQ(create.parent_span_id, forward.span_id);
  const SpanSeen lookup = span_named(trace, "syllabus-service", "GET subject-service");
  EXPECT_EQ(lookup.parent_span_id, create.span_id);
  EXPECT_EQ(lookup.kind, 3);
  const SpanSeen answer = span_named(trace, "subject-service", "GET /subjects/{id}");
  EXPECT_EQ(answer.parent_span_id, lookup.span_id);
}

TEST_F(Tracing, AnEventCarriesTheTraceFromItsProducerToItsConsumer) {
  const std::string trace = "5bf92f3577b34da6a3ce929d0e0e4736";
  const auto subject =
      call("POST", "/api/v1/subjects", R"({"code":"TR-202","name":"Events","credits":3})",
           "00-" + trace + "-00f067aa0ba902b7-01");
  ASSERT_EQ(subject.status, 201) << subject.body;

  const SpanSeen made = span_named(trace, "subject-service", "POST /subjects");
  const SpanSeen published = span_named(trace, "subject-service", "subject.created.v1 publish");
  EXPECT_EQ(published.parent_span_id, made.span_id);
  EXPECT_EQ(published.kind, 4);
  const SpanSeen consumed = span_named(trace, "syllabus-service", "subject.created.v1 process");
  EXPECT_EQ(consumed.kind, 5);
  EXPECT_EQ(consumed.parent_span_id, published.span_id);
  ASSERT_EQ(consumed.links.size(), 1u);
  EXPECT_EQ(consumed.links[0], published.span_id);
}

// What an operator runs: `sylctl trace` over the services' logs draws the request and
// the event it caused as one waterfall, and `--slowest` finds the trace.
TEST_F(Tracing, SylctlTraceDrawsTheRequestAndTheEventItCausedFromTheLogs) {
  const std::string trace = "8bf92f3577b34da6a3ce929d0e0e4736";
  const auto subject =
      call("POST", "/api/v1/subjects", R"({"code":"TR-303","name":"Waterfall","credits":3})",
           "00-" + trace + "-00f067aa0ba902b7-01");
  ASSERT_EQ(subject.status, 201) << subject.body;
  // Every span the waterfall draws is in the logs before they are copied: the consumer's
  // may be logged before the gateway's, which the gateway writes after it has answered.
  for (const auto& [service, name] : {std::pair{"api-gateway", "POST /api/v1/subjects"},
                                      {"api-gateway", "POST subject-service"},
                                      {"subject-service", "POST /subjects"},
                                      {"subject-service", "subject.created.v1 publish"},
                                      {"syllabus-service", "subject.created.v1 process"}}) {
    span_named(trace, service, name);
  }

  // The logs where `sylctl up` keeps them: var/log/<service>.log.
  const auto logs = dir_.path() / "var/log";
  std::filesystem::create_directories(logs);
  const std::pair<const char*, const ServiceProcess*> services[] = {
      {"api-gateway", gateway_.get()},
      {"syllabus-service", syllabi_.get()},
      {"subject-service", subjects_.get()},
      {"file-service", files_.get()}};
  for (const auto& [name, process] : services) {
    std::ofstream log(logs / (std::string(name) + ".log"));
    for (const std::string& line : process->output()) log << line << '\n';
  }
  const auto run = [&](const std::string& arguments) {
    const std::string command = "cd '" + dir_.path().string() + "' && " + SYLCTL_BINARY + " " +
                                arguments + " > sylctl.out 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(dir_.path() / "sylctl.out");
    return std::pair{status, std::string(std::istreambuf_iterator<char>(in), {})};
  };

  const auto [status, waterfall] = run("trace " + trace);
  ASSERT_EQ(status, 0) << waterfall;
  // Parents before their children, from the gateway's entry to the event's consumer.
  std::size_t at = 0;
  for (const char* step : {"api-gateway", "POST /api/v1/subjects", "POST subject-service",
                           "subject-service", "POST /subjects", "subject.created.v1 publish",
                           "syllabus-service", "subject.created.v1 process"}) {
    const auto found = waterfall.find(step, at);
    ASSERT_NE(found, std::string::npos) << step << " after offset " << at << " in\n" << waterfall;
    at = found + std::string_view(step).size();
  }

  const auto [slowest_status, slowest] = run("trace --slowest 10 --since 5m");
  EXPECT_EQ(slowest_status, 0) << slowest;
  EXPECT_NE(slowest.find(trace), std::string::npos) << slowest;
}

TEST_F(Tracing, ATraceThatIsNotSampledLeavesNoSpansButAFailureIsAlwaysKept) {
  const std::string trace = "6bf92f3577b34da6a3ce929d0e0e4736";
  const auto read = call("GET", "/api/v1/subjects/00000000-0000-0000-0000-000000000000", "",
                         "00-" + trace + "-00f067aa0ba902b7-00");
  EXPECT_EQ(read.status, 404);
  // The subject-service's 5xx would be kept; a 404 of an unsampled trace is not.
  const auto failing = "7bf92f3577b34da6a3ce929d0e0e4736";
  EXPECT_EQ(files_->terminate(), 0);  // the gateway's file route now fails with 502/503
  const auto refused =
      call("GET", "/api/v1/files", "", std::string("00-") + failing + "-00f067aa0ba902b7-00");
  EXPECT_GE(refused.status, 500);
  const SpanSeen kept = span_named(failing, "api-gateway", "GET /api/v1/files");
  EXPECT_EQ(kept.trace_id, failing);
  for (const auto& span : spans()) EXPECT_NE(span.trace_id, trace) << span.name;
}

}  // namespace
