// The api-gateway as a consumer of every service behind it: what it assumes of their
// answers, stated as Pact interactions and checked by running the real gateway binary
// with Pact's mock servers as its upstreams. It asks each instance GET /health/ready and
// keeps routing to it while that answers 2xx; it merges their API documents into its own
// /openapi.json (an OpenAPI 3 document whose paths it re-roots under /api/v1); and it
// passes their errors on when they are problem documents, adding only the request id
// and naming the public path as "instance" (anything else it wraps).
// The pacts go to contracts/pacts/ for the providers' verification.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>

#include "platform/auth/mint.h"
#include "platform/testing/http_client.h"
#include "platform/testing/pact.h"
#include "platform/testing/service_process.h"

namespace {

namespace pact = platform::testing::pact;

const std::string kPactDir = std::string(SYL_SOURCE_DIR) + "/contracts/pacts";
constexpr const char* kJwtSecret = "a-jwt-secret-for-the-gateway-pact-0123456789";

class FreshPacts : public ::testing::Environment {
 public:
  void SetUp() override { pact::remove_pacts(kPactDir, "api-gateway"); }
};
const auto* const kFreshPacts = ::testing::AddGlobalTestEnvironment(new FreshPacts);

std::string like(const std::string& example_json) {
  return R"({"pact:matcher:type":"type","value":)" + example_json + "}";
}

// What the gateway relies on of one upstream, for one of its paths and a missing resource.
struct Upstream {
  std::string provider;     // "subject-service"
  std::string path;         // "/subjects/{id}", a path of its API document
  std::string missing;      // "/subjects/<id>": a resource that does not exist
  std::string state;        // "no subject exists"
  std::string public_path;  // the same through the gateway
};

void state(pact::Pact& pact, const Upstream& upstream) {
  const std::string id = upstream.missing.substr(upstream.missing.rfind('/') + 1);
  pact.interaction("a request for its API document")
      .request("GET", "/openapi.json")
      .response(200)
      .response_body(
          "application/json",
          R"({"openapi":{"pact:matcher:type":"regex","regex":"^3\\.\\d+\\.\\d+$","value":"3.0.3"},"info":)" +
              like(R"({"title":"x","version":"1"})") + R"(,"paths":{")" + upstream.path + R"(":)" +
              like(R"({"get":{"responses":{}}})") + "}}");
  pact.interaction("a readiness check")
      .request("GET", "/health/ready")
      .response(200)
      .response_body(
          "application/json",
          R"({"status":{"pact:matcher:type":"regex","regex":"^(up|degraded)$","value":"up"}})");
  pact.interaction("a request for something that does not exist")
      .given(upstream.state, R"({"id":")" + id + "\"}")
      .request("GET", upstream.missing)
      .response(404)
      .response_header("Content-Type", "application/problem+json")
      .response_body("application/problem+json",
                     R"({"type":)" + like(R"("https://example.org/problems/not_found")") +
                         R"(,"title":)" + like(R"("Not Found")") + R"(,"status":404,"detail":)" +
                         like(R"("no such thing")") + "}");
}

TEST(UpstreamsPact, TheGatewayMergesTheirDocumentsAndPassesTheirProblemsOn) {
  const std::vector<Upstream> upstreams{
      {"subject-service", "/subjects/{id}", "/subjects/0191a0c4-aaaa-7c3b-9d4e-5f6a7b8c9d0e",
       "no subject exists", "/api/v1/subjects/0191a0c4-aaaa-7c3b-9d4e-5f6a7b8c9d0e"},
      {"file-service", "/files/{id}", "/files/0191a0c4-bbbb-7c3b-9d4e-5f6a7b8c9d0e",
       "no file exists", "/api/v1/files/0191a0c4-bbbb-7c3b-9d4e-5f6a7b8c9d0e"},
      {"syllabus-service", "/syllabi/{id}", "/syllabi/0191a0c4-cccc-7c3b-9d4e-5f6a7b8c9d0e",
       "no syllabus exists", "/api/v1/syllabi/0191a0c4-cccc-7c3b-9d4e-5f6a7b8c9d0e"}};
  std::vector<std::unique_ptr<pact::Pact>> pacts;
  std::vector<std::unique_ptr<pact::MockServer>> servers;
  platform::testing::Environment env{{"SYL_HTTP_PORT", "0"},
                                     {"SYL_AUTH_JWT_SECRET", kJwtSecret},
                                     {"SYL_RATELIMIT_DEFAULT_RPS", "1000"},
                                     {"SYL_PEERS_HEALTH_CHECK_INTERVAL_MS", "100"}};
  for (const auto& upstream : upstreams) {
    pacts.push_back(std::make_unique<pact::Pact>("api-gateway", upstream.provider));
    state(*pacts.back(), upstream);
    servers.push_back(std::make_unique<pact::MockServer>(*pacts.back()));
    std::string variable = "SYL_PEERS_" + upstream.provider + "_URL";
    for (char& c : variable) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    env.emplace_back(variable, servers.back()->url());
  }
  platform::testing::ServiceProcess gateway(API_GATEWAY_BINARY, env);
  const std::string token = *platform::auth::mint_hs256(
      {.subject = "vic", .roles = {"viewer"}, .issued_at = std::time(nullptr)}, kJwtSecret);

  // One document with every upstream's paths, under the gateway's prefixes.
  const auto document = platform::testing::http_request(gateway.port(), "GET", "/openapi.json");
  ASSERT_EQ(document.status, 200) << document.body;
  const auto merged = boost::json::parse(document.body).as_object();
  EXPECT_FALSE(merged.contains("x-unavailable")) << document.body;
  for (const auto& upstream : upstreams) {
    const std::string public_template =
        "/api/v1" + upstream.path;  // each built-in route maps /api/v1/<x> to /<x>
    EXPECT_TRUE(merged.at("paths").as_object().contains(public_template))
        << upstream.provider << ": " << document.body;
  }
  // An upstream's problem reaches the client as the upstream wrote it, with the request id
  // added.
  for (const auto& upstream : upstreams) {
    const auto answer = platform::testing::http_request(gateway.port(), "GET", upstream.public_path,
                                                        "", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(answer.status, 404) << upstream.provider << ": " << answer.body;
    EXPECT_EQ(answer.header("Content-Type"), "application/problem+json") << upstream.provider;
    const auto problem = boost::json::parse(answer.body).as_object();
    EXPECT_EQ(problem.at("detail"), "no such thing") << upstream.provider;
    EXPECT_EQ(problem.at("status"), 404) << upstream.provider;
    EXPECT_EQ(std::string(problem.at("request_id").as_string()), answer.header("X-Request-ID"))
        << upstream.provider;
  }

  // Every upstream was found ready (a failed check would leave it unhealthy).
  const auto metrics = platform::testing::http_request(gateway.port(), "GET", "/metrics");
  for (const auto& upstream : upstreams) {
    EXPECT_NE(metrics.body.find("peer_instances_unhealthy{peer=\"" + upstream.provider + "\"} 0"),
              std::string::npos)
        << upstream.provider;
  }
  for (std::size_t i = 0; i < servers.size(); ++i) {
    ASSERT_TRUE(servers[i]->matched()) << upstreams[i].provider << ": " << servers[i]->mismatches();
    servers[i]->write(kPactDir);
  }
}

}  // namespace
