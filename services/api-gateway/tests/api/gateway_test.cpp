// The api-gateway as a client meets it: the real binary in front of a scripted upstream
// (an http::Server in this process that echoes what it received, fails or stalls on
// demand) and in front of the real subject- and file-service.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "platform/auth/mint.h"
#include "platform/http/server.h"
#include "platform/testing/http_client.h"
#include "platform/testing/platform_token.h"
#include "platform/testing/ports.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "test_keys.h"

namespace {

using namespace std::chrono_literals;
using platform::http::Request;
using platform::http::Response;
using platform::testing::HeaderList;
using platform::testing::HttpResponse;
using platform::testing::ServiceProcess;

constexpr std::string_view kSecret = "a-test-secret-of-more-than-32-bytes-for-hs256";
// 32 bytes, base64.
constexpr std::string_view kIdentityKeys = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string token(const std::string& subject, std::vector<std::string> roles,
                  platform::auth::TokenSpec spec = {}) {
  spec.subject = subject;
  spec.roles = std::move(roles);
  if (spec.issued_at == 0) spec.issued_at = now_unix();
  return *platform::auth::mint_hs256(spec, kSecret);
}

HeaderList bearer(const std::string& jwt) {
  return {{"Authorization", "Bearer " + jwt}};
}

boost::json::object json_of(const std::string& body) {
  return boost::json::parse(body).as_object();
}

// The scripted upstream: echoes method, target and headers as JSON; /fail answers 500
// (HTML) while `failing`; /slow waits for cancellation and records it.
class EchoUpstream {
 public:
  EchoUpstream() {
    platform::http::Router router;
    for (const char* method : {"GET", "POST", "DELETE"}) {
      router.add(method, "/{path...}", [this](Request& request) { return echo(request); });
    }
    router.add_async("GET", "/slow", [this](Request& request, platform::http::Responder respond) {
      auto held = std::make_shared<platform::http::Responder>(std::move(respond));
      request.cancellation->on_cancel([this, held] {
        cancelled_ = true;
        (*held)(Response::no_content());
      });
    });
    server_ = std::make_unique<platform::http::Server>(platform::http::ServerOptions{},
                                                       std::move(router), logger_, registry_);
    server_->start();
  }
  ~EchoUpstream() { server_->stop(); }
  std::uint16_t port() const { return server_->port(); }
  std::atomic<bool> failing{false};
  bool cancelled() const { return cancelled_; }

 private:
  Response echo(Request& request) {
    if (request.path.ends_with("/fixed")) {
      return Response::json(200, "{\"x\":\"" + std::string(5000, 'x') + "\"}");
    }
    if (request.path.ends_with("/missing")) {
      return Response::problem(platform::core::Error::not_found("nothing here"), request);
    }
    if (request.path.starts_with("/e/fail") && failing) {
      return Response::text(500, "<html>upstream exploded</html>", "text/html");
    }
    boost::json::object headers;
    for (const auto& field : request.headers) headers[field.name] = field.value;
    boost::json::object body{
        {"method", request.method},
        {"target", request.target},
        {"headers", headers},
        {"body_bytes", request.body.size()},
        {"padding", std::string(request.query.find("big") != std::string::npos ? 4000 : 0, 'x')}};
    return Response::json(200, boost::json::serialize(body));
  }

  platform::logging::Logger logger_{"echo", "echo", platform::logging::Level::kError};
  platform::metrics::Registry registry_;
  std::unique_ptr<platform::http::Server> server_;
  std::atomic<bool> cancelled_{false};
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override { start_gateway(); }

  void start_gateway(platform::testing::Environment extra = {}) {
    const auto routes = dir_.path() / "routes.yaml";
    std::ofstream(routes) << "rate_limits:\n  tight: {rps: 1, burst: 3}\n"
                             "cors: {origins: [\"http://app.example\"]}\n"
                             "routes:\n"
                             "  - name: echo\n"
                             "    prefix: /api/v1/echo\n"
                             "    rewrite: /e\n"
                             "    urls: [http://127.0.0.1:"
                          << upstream_.port()
                          << "]\n"
                             "    cacheable: true\n"
                             "    request_headers: {set: {X-Added: yes}, remove: [X-Drop]}\n"
                             "    response_headers: {set: {X-From-Gateway: '1'}}\n"
                             "  - name: slow\n"
                             "    prefix: /api/v1/slow\n"
                             "    rewrite: /slow\n"
                             "    urls: [http://127.0.0.1:"
                          << upstream_.port()
                          << "]\n"
                             "  - name: limited\n"
                             "    prefix: /api/v1/limited\n"
                             "    rewrite: /limited\n"
                             "    rate_limit: tight\n"
                             "    urls: [http://127.0.0.1:"
                          << upstream_.port()
                          << "]\n"
                             "  - name: open\n"
                             "    prefix: /api/v1/open\n"
                             "    rewrite: /open\n"
                             "    auth: public\n"
                             "    urls: [http://127.0.0.1:"
                          << upstream_.port()
                          << "]\n"
                             "  - name: dead\n"
                             "    prefix: /api/v1/dead\n"
                             "    urls: [http://127.0.0.1:1]\n";
    platform::testing::Environment env{
        {"SYL_HTTP_PORT", "0"},
        {"SYL_GATEWAY_ROUTES_FILE", routes.string()},
        {"SYL_AUTH_JWT_SECRET", std::string(kSecret)},
        {"SYL_GATEWAY_IDENTITY_KEYS", std::string(kIdentityKeys)},
        {"SYL_PEERS_BREAKER_OPEN_MS", "1000"},
        {"SYL_GATEWAY_DOCS_DIR",
         std::string(SYL_SOURCE_DIR) + "/tools/swagger-ui/node_modules/swagger-ui-dist"}};
    for (auto& entry : extra) env.push_back(entry);
    gateway_.reset();
    gateway_ = std::make_unique<ServiceProcess>(API_GATEWAY_BINARY, env);
  }

  HttpResponse call(const std::string& method, const std::string& target, HeaderList headers = {},
                    const std::string& body = "") {
    return platform::testing::http_request(gateway_->port(), method, target, body, headers);
  }

  platform::testing::TemporaryDirectory dir_;
  EchoUpstream upstream_;
  std::unique_ptr<ServiceProcess> gateway_;
};

TEST_F(GatewayTest, ForwardsWithThePrefixRewrittenAndTheCallerSigned) {
  HeaderList headers = bearer(token("alice", {"editor"}));
  headers.emplace_back("X-User-ID", "mallory");  // forged: must not pass
  headers.emplace_back("X-Drop", "1");
  headers.emplace_back("Connection", "keep-alive, X-Hop");
  headers.emplace_back("X-Hop", "1");
  headers.emplace_back("X-Forwarded-For", "10.9.9.9");
  const auto response = call("GET", "/api/v1/echo/items/7?q=a%20b", headers);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto echoed = json_of(response.body);
  EXPECT_EQ(echoed.at("target").as_string(), "/e/items/7?q=a%20b");
  const auto& seen = echoed.at("headers").as_object();
  EXPECT_EQ(seen.at("X-User-ID").as_string(), "alice");
  EXPECT_EQ(seen.at("X-User-Roles").as_string(), "editor");
  EXPECT_TRUE(seen.contains("X-User-Signature"));
  EXPECT_FALSE(seen.contains("Authorization"));
  EXPECT_FALSE(seen.contains("X-Drop"));
  EXPECT_FALSE(seen.contains("X-Hop"));
  EXPECT_EQ(seen.at("X-Added").as_string(), "yes");
  EXPECT_EQ(seen.at("X-Forwarded-For").as_string(), "127.0.0.1");
  EXPECT_EQ(seen.at("X-Forwarded-Proto").as_string(), "http");
  EXPECT_TRUE(seen.contains("traceparent"));
  EXPECT_EQ(seen.at("X-Request-ID").as_string(), response.header("X-Request-ID"));
  EXPECT_EQ(response.header("X-From-Gateway"), "1");
  EXPECT_EQ(response.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(response.header("X-Frame-Options"), "DENY");
  EXPECT_FALSE(response.header("RateLimit").empty());
  EXPECT_FALSE(response.header("RateLimit-Policy").empty());
}

TEST_F(GatewayTest, AHeadRequestTellsTheLengthOfTheGetsBody) {
  const auto get = call("GET", "/api/v1/open/fixed");
  ASSERT_EQ(get.status, 200);
  ASSERT_EQ(get.body.size(), 5008u);
  auto connection = platform::testing::RawConnection::connect(gateway_->port());
  connection.send("HEAD /api/v1/open/fixed HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto head = connection.read_response(5s, /*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("Content-Length"), "5008");
}

// The upstream's problem names its own path as "instance"; the client is told the one it
// called, and the request id to quote.
TEST_F(GatewayTest, AnUpstreamsProblemNamesThePublicPathAsItsInstance) {
  const auto missing =
      call("GET", "/api/v1/echo/things/missing", bearer(token("alice", {"viewer"})));
  ASSERT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.header("Content-Type"), "application/problem+json");
  const auto problem = json_of(missing.body);
  EXPECT_EQ(problem.at("instance").as_string(), "/api/v1/echo/things/missing");
  EXPECT_EQ(problem.at("detail").as_string(), "nothing here");
  EXPECT_EQ(problem.at("request_id").as_string(), missing.header("X-Request-ID"));
  // A HEAD's answer cannot know the length of the GET's rewritten body: it declares none
  // (the upstream's would be false).
  auto connection = platform::testing::RawConnection::connect(gateway_->port());
  connection.send("HEAD /api/v1/echo/things/missing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  token("alice", {"viewer"}) + "\r\n\r\n");
  const auto head = connection.read_response(5s, /*head_request=*/true);
  EXPECT_EQ(head.status, 404);
  EXPECT_FALSE(head.has_header("Content-Length")) << head.header("Content-Length");
  EXPECT_TRUE(head.body.empty());
}

TEST_F(GatewayTest, AnUnknownRouteIsAProblemWithTheRequestId) {
  const auto response = call("GET", "/api/v1/nothing", bearer(token("alice", {"viewer"})));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(json_of(response.body).at("request_id").as_string(), response.header("X-Request-ID"));
}

TEST_F(GatewayTest, EveryBadTokenIs401AndNoneReachesTheUpstream) {
  const auto now = now_unix();
  std::string tampered = token("alice", {"viewer"});
  tampered[tampered.find('.') + 3] ^= 1;
  const std::vector<std::string> bad{
      "",
      "not-a-token",
      "a.b",
      tampered,
      token("alice", {"viewer"}, {.issued_at = now - 7200, .ttl = 1h}),          // expired
      token("alice", {"viewer"}, {.issued_at = now, .not_before = now + 3600}),  // not yet
      token("alice", {"viewer"}, {.issuer = "someone-else"}),
      token("alice", {"viewer"}, {.audience = "another-api"}),
      // alg none
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsInJvbGVzIjpbImFkbWluIl19.",
  };
  for (const auto& jwt : bad) {
    const auto response = call("GET", "/api/v1/echo/x", bearer(jwt));
    EXPECT_EQ(response.status, 401) << jwt;
    EXPECT_TRUE(response.header("WWW-Authenticate").starts_with("Bearer")) << jwt;
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  }
  const auto none = call("GET", "/api/v1/echo/x");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(call("GET", "/health/live").status, 200);  // the gateway lives on
}

// What the upstream client refuses to send is the caller's error, answered 400 however
// often it comes: it neither reaches the upstream nor opens the route's breaker.
TEST_F(GatewayTest, APathOrQueryThatIsNotAUriIsRefusedWithoutHarmingTheRoute) {
  const auto jwt = token("alice", {"viewer"});
  for (int i = 0; i < 6; ++i) {  // 24 refusals: more than the breaker needs to judge
    for (const char* target :
         {"/api/v1/echo/%zz", "/api/v1/echo/a%2", "/api/v1/echo/x?q=%zz", "/api/v1/echo/a<b>"}) {
      const auto refused = call("GET", target, bearer(jwt));
      ASSERT_EQ(refused.status, 400) << target << ": " << refused.body;
      EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
      EXPECT_NE(refused.body.find("not a valid URI"), std::string::npos) << refused.body;
    }
  }
  EXPECT_EQ(call("GET", "/api/v1/echo/x", bearer(jwt)).status, 200);
}

// A client that breaks its own chunked body mid-way gets 400 for it, and however many do,
// the route's upstream keeps serving (the failed upstream calls were the clients' fault).
TEST_F(GatewayTest, AMalformedRequestBodyIsTheClientsErrorNotTheUpstreams) {
  const auto jwt = token("alice", {"editor"});
  for (int i = 0; i < 12; ++i) {
    auto connection = platform::testing::RawConnection::connect(gateway_->port());
    connection.send("POST /api/v1/echo/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + jwt +
                    "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "zz\r\n");
    const auto refused = connection.read_response(5s);
    ASSERT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
    EXPECT_NE(refused.body.find("malformed request body"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(call("POST", "/api/v1/echo/x", bearer(jwt), "{}").status, 200);
}

// A client that stops sending its body part way gets 408 once the read timeout passes
// (the upstream call ends with the body's own error), and however many do, the route's
// upstream keeps serving.
TEST_F(GatewayTest, AClientThatStallsItsBodyGets408AndTheUpstreamIsNotBlamed) {
  start_gateway({{"SYL_HTTP_READ_TIMEOUT_MS", "300"}});
  const auto jwt = token("alice", {"editor"});
  for (int i = 0; i < 12; ++i) {  // more than the breaker needs to judge
    auto connection = platform::testing::RawConnection::connect(gateway_->port());
    connection.send("POST /api/v1/echo/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + jwt +
                    "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":");
    const auto refused = connection.read_response(5s);
    ASSERT_EQ(refused.status, 408) << refused.body;
    EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
  }
  EXPECT_EQ(call("POST", "/api/v1/echo/x", bearer(jwt), "{}").status, 200);
}

// A client that closes its side part way through its body has sent an incomplete request:
// 400, not a 503 inviting it to send the same again, and the upstream is not blamed.
TEST_F(GatewayTest, AClientThatEndsItsBodyEarlyGets400AndTheUpstreamIsNotBlamed) {
  const auto jwt = token("alice", {"editor"});
  for (int i = 0; i < 12; ++i) {
    auto connection = platform::testing::RawConnection::connect(gateway_->port());
    connection.send("POST /api/v1/echo/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + jwt +
                    "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":");
    connection.shutdown_send();
    const auto refused = connection.read_response(5s);
    ASSERT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
    EXPECT_FALSE(refused.has_header("Retry-After"));
    EXPECT_NE(refused.body.find("ended after 5 of its 100 bytes"), std::string::npos)
        << refused.body;
  }
  EXPECT_EQ(call("POST", "/api/v1/echo/x", bearer(jwt), "{}").status, 200);
}

TEST_F(GatewayTest, AmbiguousCredentialsAndClimbingPathsAreRefused) {
  const auto jwt = token("alice", {"viewer"});
  HeaderList twice = bearer(jwt);
  twice.emplace_back("Authorization", "Bearer " + token("root", {"admin"}));
  const auto refused = call("GET", "/api/v1/echo/x", twice);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
  for (const char* path : {"/api/v1/echo/../../admin", "/api/v1/echo/%2e%2E/x", "/api/v1/echo/./x",
                           "/api/v1/open/%2E"}) {
    EXPECT_EQ(call("GET", path, bearer(jwt)).status, 400) << path;
  }
  // Names that merely hold dots are names.
  EXPECT_EQ(call("GET", "/api/v1/echo/.../a.b", bearer(jwt)).status, 200);
  const auto unauthorized = json_of(call("GET", "/api/v1/echo/x").body);
  EXPECT_EQ(unauthorized.at("type").as_string(),
            "https://syllabus-platform.dev/problems/unauthenticated");
}

TEST_F(GatewayTest, RolesDecideWhatACallerMayDo) {
  EXPECT_EQ(call("POST", "/api/v1/echo/x", bearer(token("v", {"viewer"})), "{}").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/echo/x", bearer(token("e", {"editor"})), "{}").status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/echo/x", bearer(token("e", {"editor"}))).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/echo/x", bearer(token("a", {"admin"}))).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/open/x").status, 200);  // public
}

TEST_F(GatewayTest, APolicyLimitsEachCallerAndSaysWhenToComeBack) {
  const auto alice = bearer(token("alice", {"viewer"}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("GET", "/api/v1/limited/x", alice).status, 200);
  const auto refused = call("GET", "/api/v1/limited/x", alice);
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(refused.header("Retry-After").empty());
  EXPECT_FALSE(refused.header("RateLimit").empty());
  EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
  // Another caller has a bucket of its own.
  EXPECT_EQ(call("GET", "/api/v1/limited/x", bearer(token("bob", {"viewer"}))).status, 200);
}

TEST_F(GatewayTest, ADeadUpstreamIs502ThenTheOpenBreakerIs503WithRetryAfter) {
  const auto alice = bearer(token("alice", {"viewer"}));
  int bad_gateway = 0;
  HttpResponse last;
  for (int i = 0; i < 30; ++i) {
    last = call("GET", "/api/v1/dead/x", alice);
    if (last.status == 502) ++bad_gateway;
    if (last.status == 503) break;
  }
  EXPECT_GT(bad_gateway, 0);
  ASSERT_EQ(last.status, 503) << last.body;
  EXPECT_FALSE(last.header("Retry-After").empty());
  EXPECT_EQ(last.header("Content-Type"), "application/problem+json");
}

TEST_F(GatewayTest, AFailingUpstreamIsServedFromTheLastGoodAnswerAndHtmlErrorsBecomeProblems) {
  const auto alice = bearer(token("alice", {"viewer"}));
  ASSERT_EQ(call("GET", "/api/v1/echo/fail", alice).status, 200);
  upstream_.failing = true;
  const auto stale = call("GET", "/api/v1/echo/fail", alice);
  EXPECT_EQ(stale.status, 200);
  EXPECT_FALSE(stale.header("Age").empty());
  EXPECT_FALSE(stale.header("Warning").empty());
  // Not kept before: the upstream's HTML error, as a problem.
  const auto wrapped = call("GET", "/api/v1/echo/fail?other", alice);
  EXPECT_EQ(wrapped.status, 500);
  EXPECT_EQ(wrapped.header("Content-Type"), "application/problem+json");
  EXPECT_NE(wrapped.body.find("upstream exploded"), std::string::npos);
}

TEST_F(GatewayTest, GzipsLargeJsonForClientsThatAskAndAnswersCorsPreflights) {
  HeaderList headers = bearer(token("alice", {"viewer"}));
  headers.emplace_back("Accept-Encoding", "gzip");
  headers.emplace_back("Origin", "http://app.example");
  const auto response = call("GET", "/api/v1/echo/x?big", headers);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Encoding"), "gzip");
  EXPECT_EQ(response.header("Access-Control-Allow-Origin"), "http://app.example");
  const auto preflight =
      call("OPTIONS", "/api/v1/echo/x",
           {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_FALSE(preflight.header("Access-Control-Allow-Methods").empty());
  const auto stranger =
      call("OPTIONS", "/api/v1/echo/x",
           {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(stranger.status, 403);
}

TEST_F(GatewayTest, AClientThatHangsUpCancelsItsUpstreamCall) {
  auto connection = platform::testing::RawConnection::connect(gateway_->port());
  connection.send("GET /api/v1/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  token("alice", {"viewer"}) + "\r\n\r\n");
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(upstream_.cancelled());
  connection.close();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!upstream_.cancelled() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(upstream_.cancelled());
}

// The real services behind the gateway: a subject created and read, a 50 MiB file
// streamed up and down (the signed link through the gateway), the gateway's memory
// staying small.
class GatewayPlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const platform::testing::Environment common{
        {"SYL_REDIS_URL", redis_url_},
        {"SYL_GATEWAY_IDENTITY_KEYS", std::string(kIdentityKeys)},
        {"SYL_AUTH_JWT_SECRET", std::string(kSecret)}};  // another's setting: ignored
    auto with = [&](platform::testing::Environment env) {
      for (const auto& entry : common) env.push_back(entry);
      return env;
    };
    subjects_ = std::make_unique<ServiceProcess>(
        SUBJECT_SERVICE_BINARY,
        with({{"SYL_HTTP_PORT", "0"},
              {"SYL_DATABASE_URL", "sqlite://" + dir_.path().string() + "/subjects.db"}}));
    // Chosen now, taken once the file-service (which names it in its links) is up.
    gateway_port_ = platform::testing::free_port_below_ephemeral();
    files_ = std::make_unique<ServiceProcess>(
        FILE_SERVICE_BINARY,
        with({{"SYL_HTTP_PORT", "0"},
              {"SYL_DATABASE_URL", "sqlite://" + dir_.path().string() + "/files.db"},
              {"SYL_STORAGE_LOCAL_ROOT", dir_.path().string() + "/files"},
              {"SYL_DOWNLOAD_BASE_URL",
               "http://127.0.0.1:" + std::to_string(gateway_port_) + "/api/v1"}}));
    gateway_ = std::make_unique<ServiceProcess>(
        API_GATEWAY_BINARY,
        with({{"SYL_HTTP_PORT", std::to_string(gateway_port_)},
              {"SYL_PEERS_SUBJECT_SERVICE_URL",
               "http://127.0.0.1:" + std::to_string(subjects_->port())},
              {"SYL_PEERS_FILE_SERVICE_URL", "http://127.0.0.1:" + std::to_string(files_->port())},
              {"SYL_RATELIMIT_DEFAULT_RPS", "1000"},
              {"SYL_RATELIMIT_DEFAULT_BURST", "1000"}}));
  }

  static std::int64_t peak_rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.starts_with("VmHWM:")) return std::stoll(line.substr(6));
    return -1;
  }

  platform::testing::TemporaryDirectory dir_;
  std::string redis_url_ = platform::testing::redis_server_url();
  std::unique_ptr<ServiceProcess> subjects_, files_, gateway_;
  std::uint16_t gateway_port_ = 0;
};

TEST_F(GatewayPlatformTest, ASubjectIsCreatedAndReadThroughTheGateway) {
  const std::string body =
      R"({"code":"GW101","name":"Gateways","credits":6,"department":"Computing"})";
  auto created =
      platform::testing::http_request(gateway_port_, "POST", "/api/v1/subjects", body,
                                      {{"Authorization", "Bearer " + token("alice", {"editor"})},
                                       {"Content-Type", "application/json"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string location = created.header("Location");
  ASSERT_TRUE(location.starts_with("/api/v1/subjects/")) << location;
  const auto read = platform::testing::http_request(gateway_port_, "GET", location, "",
                                                    bearer(token("bob", {"viewer"})));
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(json_of(read.body).at("code").as_string(), "GW101");
}

TEST_F(GatewayPlatformTest, A50MiBFileStreamsUpAndDownInBoundedMemory) {
  const std::size_t size = std::size_t{50} * 1024 * 1024 - 1024;
  std::string pdf = "%PDF-1.7\n";
  pdf.resize(size, 'a');
  const auto before = peak_rss_kib(gateway_->pid());
  auto uploaded =
      platform::testing::http_request(gateway_port_, "POST", "/api/v1/files?filename=big.pdf", pdf,
                                      {{"Authorization", "Bearer " + token("alice", {"editor"})},
                                       {"Content-Type", "application/pdf"},
                                       {"X-User-ID", "mallory"}});
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const auto file = json_of(uploaded.body);
  EXPECT_EQ(file.at("uploaded_by").as_string(), "alice");
  const std::string id(file.at("id").as_string());
  const auto link =
      platform::testing::http_request(gateway_port_, "GET", "/api/v1/files/" + id + "/download-url",
                                      "", bearer(token("bob", {"viewer"})));
  ASSERT_EQ(link.status, 200) << link.body;
  std::string url(json_of(link.body).at("url").as_string());
  const std::string origin = "http://127.0.0.1:" + std::to_string(gateway_port_);
  ASSERT_TRUE(url.starts_with(origin)) << url;
  const auto downloaded =
      platform::testing::http_request(gateway_port_, "GET", url.substr(origin.size()));  // no token
  ASSERT_EQ(downloaded.status, 200);
  EXPECT_EQ(downloaded.body.size(), size);
  EXPECT_TRUE(downloaded.body == pdf);
  const auto after = peak_rss_kib(gateway_->pid());
  // Neither direction was held whole: the peak grew by far less than the file.
  EXPECT_LT(after - before, 20 * 1024)
      << "peak RSS grew from " << before << " to " << after << " KiB";
}

// RS256 and ES256 keys from a JWKS file, rotated without a restart; the classic attacks.
class GatewayJwksTest : public GatewayTest {
 protected:
  void SetUp() override {
    namespace keys = platform::auth::testing;
    write_jwks({keys::rsa_jwk(keys::rsa_key_1(), "rsa-1"), keys::ec_jwk(keys::ec_key_1(), "ec-1")});
    start_gateway({{"SYL_AUTH_JWKS_FILE", jwks_path().string()}});
  }
  std::filesystem::path jwks_path() const { return dir_.path() / "jwks.json"; }
  void write_jwks(const std::vector<std::string>& keys) {
    const auto temporary = dir_.path() / "jwks.json.new";
    std::ofstream(temporary) << platform::auth::testing::jwks(keys);
    std::filesystem::rename(temporary, jwks_path());  // atomically, as a deploy would
  }
  static std::string signed_by(const platform::auth::testing::TestKey& key, std::string_view kid,
                               std::string_view algorithm) {
    return *platform::auth::mint_signed({.subject = "carol",
                                         .roles = {"viewer"},
                                         .issued_at = now_unix(),
                                         .key_id = std::string(kid)},
                                        algorithm, key.private_pem);
  }
};

TEST_F(GatewayJwksTest, AcceptsRs256AndEs256AndRefusesTheClassicForgeries) {
  namespace keys = platform::auth::testing;
  EXPECT_EQ(
      call("GET", "/api/v1/echo/x", bearer(signed_by(keys::rsa_key_1(), "rsa-1", "RS256"))).status,
      200);
  EXPECT_EQ(
      call("GET", "/api/v1/echo/x", bearer(signed_by(keys::ec_key_1(), "ec-1", "ES256"))).status,
      200);
  // HS256 "signed" with the RSA public key as the secret: the key only accepts RS256.
  const std::string now = std::to_string(now_unix());
  const std::string payload = R"({"sub":"mallory","roles":["admin"],"iss":"syllabus-platform",)"
                              R"("aud":"syllabus-platform","iat":)" +
                              now + R"(,"exp":)" + std::to_string(now_unix() + 600) + "}";
  const auto confused =
      keys::hs256_token(R"({"alg":"HS256","kid":"rsa-1"})", payload, keys::rsa_key_1().public_pem);
  const auto refused = call("GET", "/api/v1/echo/x", bearer(confused));
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.header("WWW-Authenticate").find("invalid_token"), std::string::npos);
  // A key nobody published, and a key of ours signing under another kid.
  EXPECT_EQ(
      call("GET", "/api/v1/echo/x", bearer(signed_by(keys::rsa_key_2(), "rsa-2", "RS256"))).status,
      401);
  EXPECT_EQ(
      call("GET", "/api/v1/echo/x", bearer(signed_by(keys::rsa_key_2(), "rsa-1", "RS256"))).status,
      401);
}

TEST_F(GatewayJwksTest, ARotatedKeyWorksWithoutARestartAndABadFileKeepsTheKeys) {
  namespace keys = platform::auth::testing;
  const auto next = bearer(signed_by(keys::rsa_key_2(), "rsa-2", "RS256"));
  EXPECT_EQ(call("GET", "/api/v1/echo/x", next).status, 401);
  write_jwks(
      {keys::rsa_jwk(keys::rsa_key_1(), "rsa-1"), keys::rsa_jwk(keys::rsa_key_2(), "rsa-2")});
  const auto until = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  while ((status = call("GET", "/api/v1/echo/x", next).status) != 200 &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(status, 200);
  std::ofstream(jwks_path()) << "{ not json";
  EXPECT_TRUE(gateway_->wait_for_line(
      [](const std::string& line) {
        return line.find("JWKS file was not reloaded") != std::string::npos;
      },
      10s));
  EXPECT_EQ(call("GET", "/api/v1/echo/x", next).status, 200);
}

// Two replicas share their callers' budgets through Redis; with Redis gone, each fail
// mode does what it says.
class GatewaySharedLimitTest : public GatewayTest {
 protected:
  void SetUp() override {}
  std::unique_ptr<ServiceProcess> replica(const std::string& fail_mode) {
    const auto routes = dir_.path() / "routes.yaml";
    std::ofstream(routes) << "rate_limits:\n  tight: {rps: 0.5, burst: 4}\n"
                             "routes:\n"
                             "  - name: limited\n"
                             "    prefix: /api/v1/limited\n"
                             "    rate_limit: tight\n"
                             "    urls: [http://127.0.0.1:"
                          << upstream_.port() << "]\n";
    return std::make_unique<ServiceProcess>(
        API_GATEWAY_BINARY,
        platform::testing::Environment{{"SYL_HTTP_PORT", "0"},
                                       {"SYL_GATEWAY_ROUTES_FILE", routes.string()},
                                       {"SYL_AUTH_JWT_SECRET", std::string(kSecret)},
                                       {"SYL_RATELIMIT_BACKEND", "redis"},
                                       {"SYL_RATELIMIT_FAIL_MODE", fail_mode},
                                       {"SYL_REDIS_URL", redis_.url()}});
  }
  static int status_of(ServiceProcess& replica, const HeaderList& headers) {
    return platform::testing::http_request(replica.port(), "GET", "/api/v1/limited/x", "", headers)
        .status;
  }
  platform::testing::RedisServer redis_;
};

TEST_F(GatewaySharedLimitTest, TwoReplicasShareOneBudgetAndEachFailModeHoldsWhenRedisIsGone) {
  auto a = replica("closed");
  auto b = replica("local");
  auto c = replica("open");
  const auto dave = bearer(token("dave", {"viewer"}));
  int allowed = 0;
  for (int i = 0; i < 8; ++i) {
    if (status_of(i % 2 == 0 ? *a : *b, dave) == 200) ++allowed;
  }
  EXPECT_EQ(allowed, 4);  // one burst of 4 across both replicas, not 4 each
  EXPECT_EQ(status_of(*c, dave), 429);

  redis_.stop();
  const auto erin = bearer(token("erin", {"viewer"}));
  const auto refused =
      platform::testing::http_request(a->port(), "GET", "/api/v1/limited/x", "", erin);
  EXPECT_EQ(refused.status, 503);  // closed: refuses, and says when to come back
  EXPECT_FALSE(refused.header("Retry-After").empty());
  int local_allowed = 0;
  for (int i = 0; i < 8; ++i)
    if (status_of(*b, erin) == 200) ++local_allowed;
  EXPECT_EQ(local_allowed, 4);  // local: the replica's own bucket
  for (int i = 0; i < 8; ++i) EXPECT_EQ(status_of(*c, erin), 200);  // open: lets everyone in
  for (auto* replica : {a.get(), b.get(), c.get()}) {
    EXPECT_TRUE(platform::testing::wait_for_metric(replica->port(),
                                                   "ratelimit_backend_failures_total", 1, 5s));
  }
  EXPECT_TRUE(a->wait_for_line(
      [](const std::string& line) {
        return line.find("\"level\":\"error\"") != std::string::npos ||
               line.find("\"level\":\"warn\"") != std::string::npos;
      },
      5s));
}

// The routes document from the config-service, applied live; a bad one refused.
TEST_F(GatewayTest, RoutesFromTheConfigServiceApplyWithoutARestart) {
  ServiceProcess config(CONFIG_SERVICE_BINARY,
                        {{"SYL_HTTP_PORT", "0"},
                         {"SYL_DATABASE_URL", "sqlite://" + (dir_.path() / "config.db").string()},
                         {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}});
  start_gateway({{"SYL_CONFIG_SERVICE_URL", "http://127.0.0.1:" + std::to_string(config.port())},
                 {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken}});
  const auto alice = bearer(token("alice", {"viewer"}));
  EXPECT_EQ(call("GET", "/api/v1/live/x", alice).status, 404);
  const auto put = [&](const std::string& routes) {
    boost::json::object body{{"settings", {{"gateway.routes", routes}}}, {"author", "test"}};
    return platform::testing::http_request(
        config.port(), "PUT", "/config/api-gateway?env=default", boost::json::serialize(body),
        {{"Content-Type", "application/json"}, platform::testing::authorization()});
  };
  // The gateway publishes its schema first; then the document can be written.
  const auto until = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  const std::string live =
      "routes:\n  - name: live\n    prefix: /api/v1/live\n    rewrite: /e\n"
      "    urls: [http://127.0.0.1:" +
      std::to_string(upstream_.port()) + "]\n";
  while ((status = put(live).status) != 200 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  ASSERT_EQ(status, 200);
  while ((status = call("GET", "/api/v1/live/x", alice).status) != 200 &&
         std::chrono::steady_clock::now() < until + 5s)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(call("GET", "/api/v1/echo/x", alice).status, 404);  // replaced whole
  ASSERT_EQ(put("routes: [{prefix: nope}]").status, 200);
  EXPECT_TRUE(gateway_->wait_for_line(
      [](const std::string& line) {
        return line.find("refused a routes document") != std::string::npos;
      },
      10s));
  EXPECT_EQ(call("GET", "/api/v1/live/x", alice).status, 200);  // the routes stay
}

TEST_F(GatewayTest, ServesTheMergedApiDocumentAndItsPage) {
  const auto document = call("GET", "/openapi.json");
  ASSERT_EQ(document.status, 200);
  const auto parsed = json_of(document.body);
  EXPECT_TRUE(parsed.at("components").at("securitySchemes").as_object().contains("bearerAuth"));
  const auto page = call("GET", "/docs");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("swagger-ui"), std::string::npos);
  // Swagger UI's own files, as the install script put them.
  const auto bundle = call("GET", "/docs/swagger-ui-bundle.js");
  EXPECT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_GT(bundle.body.size(), 100'000u);
  EXPECT_EQ(call("GET", "/docs/../../etc/passwd").status, 400);  // climbing: refused
}

}  // namespace
