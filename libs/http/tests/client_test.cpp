#include "platform/http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "log_capture.h"
#include "platform/http/server.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kSpanId = "00f067aa0ba902b7";

std::string url(std::uint16_t port, std::string_view target) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(target);
}

boost::json::object json(const ClientResponse& response) {
  return boost::json::parse(response.body).as_object();
}

Router peer_routes() {
  Router router;
  router.get("/subjects/{id}", [](Request& request) {
    if (request.path_param("id") == "missing") {
      return Response::problem(core::Error::not_found("subject missing does not exist"), request);
    }
    boost::json::object body{{"id", request.path_param("id")},
                             {"accept", request.headers.get("Accept")},
                             {"user_agent", request.headers.get("User-Agent")}};
    return Response::json(200, boost::json::serialize(body)).with_header("X-Served-By", "peer");
  });
  router.post("/subjects", [](Request& request) {
    if (request.body == "invalid") {
      return Response::problem(core::Error::invalid_fields({{"code", "must be 2 to 20 characters"},
                                                            {"title", "must not be empty"}}),
                               request);
    }
    boost::json::object body{{"echo", request.body},
                             {"content_type", request.headers.get("Content-Type")},
                             {"x_test", request.headers.get("X-Test")}};
    return Response::json(201, boost::json::serialize(body));
  });
  router.put("/subjects/{id}/publish", [](Request& request) {
    return Response::problem(core::Error::failed_precondition("the subject is archived"), request);
  });
  router.get("/trace", [](Request& request) {
    boost::json::object body{{"request_id", request.trace.request_id},
                             {"trace_id", request.trace.trace_id},
                             {"parent_span_id", request.trace.parent_span_id}};
    return Response::json(200, boost::json::serialize(body));
  });
  router.get("/big/{bytes}", [](Request& request) {
    const auto bytes = std::stoul(std::string(request.path_param("bytes")));
    return Response::text(200, std::string(bytes, 'x'));
  });
  router.get("/slow/{ms}", [](Request& request) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::stoi(std::string(request.path_param("ms")))));
    return Response::json(200, R"({"slow":true})");
  });
  return router;
}

class ClientTest : public ::testing::Test {
 protected:
  std::uint16_t start(ServerOptions options = {}, Router router = peer_routes()) {
    server_ =
        std::make_unique<Server>(std::move(options), std::move(router), logs_.logger(), registry_);
    port_ = server_->start();
    return port_;
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  double server_connections() { return registry_.counter("http_connections_total", "").value(); }
  // The peer label is the client's peer name, else host:port.
  double client_requests(std::string_view method, std::string_view status, std::string peer = "") {
    if (peer.empty()) peer = "127.0.0.1:" + std::to_string(port_);
    return client_registry_
        .counter("http_client_requests_total", "",
                 {{"peer", peer}, {"method", std::string(method)}, {"status", std::string(status)}})
        .value();
  }

  test::LogCapture logs_;
  metrics::Registry registry_;         // the server's
  metrics::Registry client_registry_;  // the client's
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

// ---- plain functions ------------------------------------------------------------------

TEST(ParseUrl, SplitsSchemeHostPortAndTarget) {
  auto parsed = parse_url("http://subject-service:8101/subjects/42?limit=2#top");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->scheme, "http");
  EXPECT_EQ(parsed->host, "subject-service");
  EXPECT_EQ(parsed->port, 8101);
  EXPECT_EQ(parsed->target, "/subjects/42?limit=2");
  EXPECT_EQ(parsed->host_header(), "subject-service:8101");

  auto bare = parse_url("HTTP://127.0.0.1");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->host, "127.0.0.1");
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");
  EXPECT_EQ(bare->host_header(), "127.0.0.1");

  auto empty_port = parse_url("http://example.com:/x");  // RFC 3986: the default port
  ASSERT_TRUE(empty_port);
  EXPECT_EQ(empty_port->port, 80);

  auto query_only = parse_url("http://example.com?x=1");
  ASSERT_TRUE(query_only);
  EXPECT_EQ(query_only->target, "/?x=1");

  auto secure = parse_url("https://S3.eu-west-1.amazonaws.com/bucket/a%20b");
  ASSERT_TRUE(secure);
  EXPECT_TRUE(secure->tls());
  EXPECT_EQ(secure->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(secure->port, 443);
  EXPECT_EQ(secure->target, "/bucket/a%20b");
  EXPECT_EQ(secure->host_header(), "s3.eu-west-1.amazonaws.com");

  auto ipv6 = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(ipv6);
  EXPECT_EQ(ipv6->host, "::1");
  EXPECT_EQ(ipv6->authority(), "[::1]:8080");
  EXPECT_EQ(ipv6->host_header(), "[::1]:8080");
}

TEST(ParseUrl, RejectsWhatTheClientCannotCall) {
  for (const std::string bad : {"", "subjects/42", "ftp://host/", "http://", "http:///path",
                                "http://host:0/", "http://host:65536/", "http://host:80a/",
                                "http://user@host/", "http://host/a b", "http://ho st/"}) {
    auto parsed = parse_url(bad);
    ASSERT_FALSE(parsed) << bad << " parsed as " << (parsed ? parsed->host : "");
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << bad;
    ASSERT_EQ(parsed.error().field_errors().size(), 1u);
    EXPECT_EQ(parsed.error().field_errors()[0].field, "url");
  }
}

// A thread keeps the origins it parsed: later URLs on them take the short way, which must
// answer exactly as the whole parse does, refusals included.
TEST(ParseUrl, AnOriginParsedBeforeGivesTheSameAnswers) {
  ASSERT_TRUE(parse_url("http://Known-Host:81/"));
  struct Case {
    std::string url;
    std::string target;
  };
  for (const Case& known :
       {Case{"http://Known-Host:81/a/b?c=d%20e&f=%7E", "/a/b?c=d%20e&f=%7E"},
        Case{"http://Known-Host:81?x=1", "/?x=1"}, Case{"http://Known-Host:81/x?", "/x"},
        Case{"http://Known-Host:81", "/"}, Case{"http://Known-Host:81/x#top", "/x"},
        Case{"http://Known-Host:81/a:b@c;d=e/(f)*+,$!'", "/a:b@c;d=e/(f)*+,$!'"}}) {
    for (int time = 0; time < 2; ++time) {
      auto parsed = parse_url(known.url);
      ASSERT_TRUE(parsed) << known.url;
      EXPECT_EQ(parsed->scheme, "http");
      EXPECT_EQ(parsed->host, "known-host") << known.url;
      EXPECT_EQ(parsed->port, 81);
      EXPECT_EQ(parsed->target, known.target) << known.url;
    }
  }
  for (const std::string bad :
       {"http://Known-Host:81/a b", "http://Known-Host:81/a%zz", "http://Known-Host:81/a%2",
        "http://Known-Host:81/a\r\nX: y", "http://Known-Host:81/a\"b"}) {
    auto parsed = parse_url(bad);
    ASSERT_FALSE(parsed) << bad << " parsed as " << (parsed ? parsed->target : "");
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(RetryDecision, RepeatsOnlyWhatFailedOnAStaleConnectionAndIsSafeToRepeat) {
  const FailedAttempt unanswered{.reused_connection = true, .request_written = true};
  for (const std::string method : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}) {
    EXPECT_TRUE(may_retry_on_fresh_connection(method, unanswered)) << method;
  }
  // A POST or PATCH that was written may have been carried out.
  EXPECT_FALSE(may_retry_on_fresh_connection("POST", unanswered));
  EXPECT_FALSE(may_retry_on_fresh_connection("PATCH", unanswered));
  // ... unless it could not be written at all.
  const FailedAttempt unwritten{.reused_connection = true, .request_written = false};
  EXPECT_TRUE(may_retry_on_fresh_connection("POST", unwritten));
  // A fresh connection failing is a real failure; so is a started answer or a timeout.
  EXPECT_FALSE(may_retry_on_fresh_connection("GET", {.request_written = true}));
  EXPECT_FALSE(may_retry_on_fresh_connection(
      "GET", {.reused_connection = true, .request_written = true, .response_started = true}));
  EXPECT_FALSE(may_retry_on_fresh_connection(
      "GET", {.reused_connection = true, .request_written = true, .timed_out = true}));
}

TEST(ClientResponse, KeepsThePeersProblemAsThePeerSaidIt) {
  EXPECT_FALSE((ClientResponse{.status = 200}.problem()));
  EXPECT_FALSE((ClientResponse{.status = 304}.problem()));

  ClientResponse invalid{
      .status = 422,
      .body =
          R"({"type":"https://syllabus-platform.dev/problems/invalid_argument","status":422,)"
          R"("title":"Unprocessable Content","detail":"2 fields are invalid",)"
          R"("errors":[{"field":"code","message":"too short"},{"field":"name","message":"empty"}]})"};
  invalid.headers.set("Content-Type", "application/problem+json; charset=utf-8");
  auto problem = invalid.problem();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->status, 422);
  EXPECT_EQ(problem->type, "https://syllabus-platform.dev/problems/invalid_argument");
  EXPECT_EQ(problem->detail, "2 fields are invalid");
  const std::vector<core::FieldError> expected{{"code", "too short"}, {"name", "empty"}};
  EXPECT_EQ(problem->errors, expected);

  // Not a problem document (a proxy's page): the status, and the start of the body.
  ClientResponse plain{.status = 502, .body = "<html>bad gateway</html>"};
  plain.headers.set("Content-Type", "text/html");
  auto page = plain.problem();
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 502);
  EXPECT_EQ(page->title, "Bad Gateway");
  EXPECT_EQ(page->detail, "<html>bad gateway</html>");
}

TEST(PeerProblem, NeverBecomesTheSameErrorOfOurs) {
  const auto failure = [](int status) {
    return PeerProblem{.peer = "subject-service", .status = status, .detail = "said so"}
        .as_dependency_failure();
  };
  // A peer's 404 or 422 is something we sent wrong, or a reference the caller must map
  // itself: by default an internal failure, never our own 404 or 422.
  EXPECT_EQ(failure(404).code(), ErrorCode::kInternal);
  EXPECT_EQ(failure(422).code(), ErrorCode::kInternal);
  EXPECT_EQ(failure(409).code(), ErrorCode::kInternal);
  EXPECT_EQ(failure(401).code(), ErrorCode::kInternal);
  // The peer being down or slow is a dependency failure: 503 or 504 to our caller.
  EXPECT_EQ(failure(503).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(failure(500).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(failure(429).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(failure(504).code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(failure(503).detail(), "subject-service is unavailable");
  EXPECT_NE(failure(503).log_detail().find("said so"), std::string::npos);
}

TEST(ClientResponse, NamesThePeerInItsProblem) {
  ClientResponse answer{.peer = "file-service", .status = 503};
  EXPECT_EQ(answer.problem()->peer, "file-service");
  EXPECT_EQ(answer.problem()->as_dependency_failure().detail(), "file-service is unavailable");
}

TEST(ClientResponse, ReadsRetryAfterAsSecondsOrAnHttpDate) {
  ClientResponse seconds{.status = 503};
  seconds.headers.set("Retry-After", "7");
  EXPECT_EQ(seconds.retry_after(), std::chrono::seconds(7));
  ClientResponse past{.status = 503};
  past.headers.set("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(past.retry_after(), std::chrono::seconds(0));
  ClientResponse future{.status = 429};
  std::time_t in_a_minute = std::time(nullptr) + 60;
  std::tm utc{};
  gmtime_r(&in_a_minute, &utc);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  future.headers.set("Retry-After", date);
  ASSERT_TRUE(future.retry_after());
  EXPECT_GE(*future.retry_after(), std::chrono::seconds(58));
  EXPECT_LE(*future.retry_after(), std::chrono::seconds(60));
  ClientResponse garbage{.status = 503};
  garbage.headers.set("Retry-After", "soon");
  EXPECT_FALSE(garbage.retry_after());
  EXPECT_FALSE(ClientResponse{.status = 503}.retry_after());
}

// ---- against our own server -----------------------------------------------------------

TEST_F(ClientTest, SendsGetAndPostWithHeadersAndBodies) {
  const auto port = start();
  Client client;
  ClientRequest get{.url = url(port, "/subjects/CS101")};
  get.headers.set("Accept", "application/json");
  auto got = client.send(get);
  ASSERT_TRUE(got) << got.error().detail();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->headers.get("Content-Type"), "application/json");
  EXPECT_EQ(got->headers.get("X-Served-By"), "peer");
  EXPECT_FALSE(got->problem());
  EXPECT_EQ(json(*got).at("id").as_string(), "CS101");
  EXPECT_EQ(json(*got).at("accept").as_string(), "application/json");
  EXPECT_EQ(json(*got).at("user_agent").as_string(), "syllabus-platform");

  ClientRequest post{.method = "POST", .url = url(port, "/subjects"), .body = R"({"code":"X"})"};
  post.headers.set("Content-Type", "application/json");
  post.headers.set("X-Test", "yes");
  auto created = client.send(post);
  ASSERT_TRUE(created) << created.error().detail();
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(json(*created).at("echo").as_string(), R"({"code":"X"})");
  EXPECT_EQ(json(*created).at("content_type").as_string(), "application/json");
  EXPECT_EQ(json(*created).at("x_test").as_string(), "yes");

  auto head = client.send({.method = "HEAD", .url = url(port, "/subjects/CS101")});
  ASSERT_TRUE(head) << head.error().detail();
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  // The connection is still in step after a HEAD (whose answer has a length but no body).
  auto again = client.send(get);
  ASSERT_TRUE(again);
  EXPECT_EQ(json(*again).at("id").as_string(), "CS101");
  EXPECT_EQ(server_connections(), 1);
}

TEST_F(ClientTest, ReusesOneKeepAliveConnectionForSequentialCalls) {
  const auto port = start();
  Client client({}, &client_registry_);
  constexpr int kCalls = 50;
  const ClientRequest request{.url = url(port, "/subjects/1")};
  const auto started = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    auto response = client.send(request);
    ASSERT_TRUE(response) << response.error().detail();
    ASSERT_EQ(response->status, 200);
  }
  const std::chrono::duration<double> elapsed = Clock::now() - started;
  std::cout << "[ info ] " << kCalls
            << " sequential keep-alive calls: " << static_cast<int>(kCalls / elapsed.count())
            << " calls/s (Debug build)\n";
  EXPECT_EQ(server_connections(), 1);
  EXPECT_EQ(client_requests("GET", "200"), kCalls);
  const auto text = client_registry_.render();
  EXPECT_NE(text.find("http_client_request_duration_seconds_count{peer=\"127.0.0.1:" +
                      std::to_string(port) + "\",method=\"GET\"} 50"),
            std::string::npos)
      << text;
}

TEST_F(ClientTest, SendsFromManyThreadsAtOnce) {
  ServerOptions options;
  options.worker_threads = 4;
  const auto port = start(options);
  Client client;
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 25;
  std::vector<std::future<int>> callers;
  callers.reserve(kThreads);
  for (int thread = 0; thread < kThreads; ++thread) {
    callers.push_back(std::async(std::launch::async, [&client, port, thread] {
      int ok = 0;
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string id = std::to_string(thread) + "-" + std::to_string(i);
        auto response = client.send({.url = url(port, "/subjects/" + id)});
        if (response && response->status == 200 && json(*response).at("id").as_string() == id) {
          ++ok;
        }
      }
      return ok;
    }));
  }
  for (auto& caller : callers) EXPECT_EQ(caller.get(), kCallsPerThread);
  EXPECT_LE(server_connections(), kThreads);
}

TEST_F(ClientTest, FailsFastWithUnavailableWhenNothingListens) {
  // A port that was free a moment ago: bind, note it, close.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  ::close(probe);

  Client client(ClientOptions{.peer_name = "subject-service"}, &client_registry_);
  const auto started = Clock::now();
  auto response = client.send({.url = url(port_, "/subjects/1")});
  EXPECT_LT(Clock::now() - started, 1s);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().detail().rfind("subject-service is unavailable: ", 0), 0u)
      << response.error().detail();
  EXPECT_EQ(client_requests("GET", "error", "subject-service"), 1);
}

TEST_F(ClientTest, FailsWhenTheHostDoesNotResolve) {
  Client client(ClientOptions{.connect_timeout = 1s});
  const auto started = Clock::now();
  auto response = client.send({.url = "http://no-such-host.invalid:8101/"});
  EXPECT_LT(Clock::now() - started, 3s);
  ASSERT_FALSE(response);
  // Unavailable when the resolver says so; DeadlineExceeded when it does not answer in time
  // (a machine without DNS).
  const auto code = response.error().code();
  EXPECT_TRUE(code == ErrorCode::kUnavailable || code == ErrorCode::kDeadlineExceeded)
      << response.error().detail();
}

TEST_F(ClientTest, GivesUpWithDeadlineExceededAfterTheRequestTimeout) {
  const auto port = start();
  Client client(ClientOptions{.request_timeout = 300ms});
  const auto started = Clock::now();
  auto response = client.send({.url = url(port, "/slow/1000")});
  const auto elapsed = Clock::now() - started;
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 900ms);
  // The timed-out connection is not reused: the next call gets a fresh one and works.
  auto next = client.send({.url = url(port, "/subjects/1")});
  ASSERT_TRUE(next) << next.error().detail();
  EXPECT_EQ(next->status, 200);
}

TEST_F(ClientTest, ErrorStatusesAreAnswersNotTransportFailures) {
  const auto port = start();
  Client client(ClientOptions{.peer_name = "subject-service"});
  auto missing = client.send({.url = url(port, "/subjects/missing")});
  ASSERT_TRUE(missing);  // an HTTP error status is a value, not a transport failure
  EXPECT_EQ(missing->status, 404);
  auto not_found = missing->problem();
  ASSERT_TRUE(not_found);
  EXPECT_EQ(not_found->peer, "subject-service");
  EXPECT_EQ(not_found->detail, "subject missing does not exist");

  ClientRequest invalid{.method = "POST", .url = url(port, "/subjects"), .body = "invalid"};
  auto rejected = client.send(invalid);
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 422);
  auto problem = rejected->problem();
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->detail, "2 fields are invalid");
  const std::vector<core::FieldError> expected{{"code", "must be 2 to 20 characters"},
                                               {"title", "must not be empty"}};
  EXPECT_EQ(problem->errors, expected);
  EXPECT_EQ(problem->as_dependency_failure().code(), ErrorCode::kInternal);

  auto archived = client.send({.method = "PUT", .url = url(port, "/subjects/1/publish")});
  ASSERT_TRUE(archived);
  EXPECT_EQ(archived->status, 409);

  // Answers the server makes itself (no route: 404; wrong method: 405) are answers too.
  auto no_route = client.send({.url = url(port, "/nothing")});
  ASSERT_TRUE(no_route);
  EXPECT_EQ(no_route->status, 404);
  auto wrong_method = client.send({.method = "DELETE", .url = url(port, "/subjects/1")});
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
}

TEST_F(ClientTest, ReconnectsWhenThePeerClosedAnIdleConnection) {
  ServerOptions options;
  options.idle_timeout = 100ms;
  const auto port = start(options);
  Client client;
  ASSERT_TRUE(client.send({.url = url(port, "/subjects/1")}));
  std::this_thread::sleep_for(300ms);  // the server closes the pooled connection
  auto response = client.send({.url = url(port, "/subjects/2")});
  ASSERT_TRUE(response) << response.error().detail();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(server_connections(), 2);
}

TEST_F(ClientTest, ReconnectsWhenThePeerRestartedOnTheSamePort) {
  const auto port = start();
  Client client;
  ASSERT_TRUE(client.send({.url = url(port, "/subjects/1")}));
  server_->stop();
  ServerOptions options;
  options.port = port;
  start(options);
  auto response = client.send({.url = url(port, "/subjects/2")});
  ASSERT_TRUE(response) << response.error().detail();
  EXPECT_EQ(response->status, 200);
  // A POST is fine too: the stale connection is noticed before anything is sent on it
  // (the GET above was sent on it, found it closed, and went again on a fresh one).
  server_->stop();
  start(options);
  auto created = client.send({.method = "POST", .url = url(port, "/subjects"), .body = "{}"});
  ASSERT_TRUE(created) << created.error().detail();
  EXPECT_EQ(created->status, 201);
}

TEST_F(ClientTest, ClosesPooledConnectionsIdleLongerThanTheTtl) {
  const auto port = start();
  Client client(ClientOptions{.idle_connection_ttl = 300ms});
  ASSERT_TRUE(client.send({.url = url(port, "/subjects/1")}));
  ASSERT_TRUE(client.send({.url = url(port, "/subjects/1")}));
  EXPECT_EQ(server_connections(), 1);
  std::this_thread::sleep_for(700ms);
  ASSERT_TRUE(client.send({.url = url(port, "/subjects/1")}));
  EXPECT_EQ(server_connections(), 2);
}

TEST_F(ClientTest, PropagatesTheTraceContext) {
  const auto port = start();
  Client client;
  TraceContext trace{
      .request_id = "req-42", .trace_id = std::string(kTraceId), .span_id = std::string(kSpanId)};
  auto response = client.send({.url = url(port, "/trace")}, {.trace = &trace});
  ASSERT_TRUE(response);
  EXPECT_EQ(json(*response).at("request_id").as_string(), "req-42");
  EXPECT_EQ(json(*response).at("trace_id").as_string(), kTraceId);
  // The call is a span of its own: the callee's parent is a new id, not ours.
  const std::string call_span(json(*response).at("parent_span_id").as_string());
  EXPECT_EQ(call_span.size(), 16u);
  EXPECT_NE(call_span, kSpanId);
  auto second = client.send({.url = url(port, "/trace")}, {.trace = &trace});
  ASSERT_TRUE(second);
  EXPECT_NE(json(*second).at("parent_span_id").as_string(), call_span);
  EXPECT_EQ(response->headers.get("X-Request-ID"), "req-42");

  // Headers the caller set win.
  ClientRequest own{.url = url(port, "/trace")};
  own.headers.set("X-Request-ID", "mine");
  auto kept = client.send(own, {.trace = &trace});
  ASSERT_TRUE(kept);
  EXPECT_EQ(json(*kept).at("request_id").as_string(), "mine");

  // In any letter case, and for Host and User-Agent too: a second Host would be refused
  // by the server, a Content-Length of the caller's would make it wait for a body.
  ClientRequest cased{.url = url(port, "/trace")};
  cased.headers.add("host", "127.0.0.1:" + std::to_string(port));
  cased.headers.add("user-agent", "own-agent");
  cased.headers.add("x-request-id", "cased");
  cased.headers.add("TRACEPARENT", "00-" + std::string(kTraceId) + "-00f067aa0ba902b7-01");
  cased.headers.add("content-length", "999");
  auto cased_answer = client.send(cased, {.timeout = 2s, .trace = &trace});
  ASSERT_TRUE(cased_answer) << cased_answer.error().detail();
  EXPECT_EQ(cased_answer->status, 200);
  EXPECT_EQ(json(*cased_answer).at("request_id").as_string(), "cased");
  EXPECT_EQ(json(*cased_answer).at("parent_span_id").as_string(), "00f067aa0ba902b7");
}

TEST_F(ClientTest, RefusesAResponseOverMaxResponseBytes) {
  const auto port = start();
  Client client(ClientOptions{.max_response_bytes = 1024});
  auto small = client.send({.url = url(port, "/big/1024")});
  ASSERT_TRUE(small) << small.error().detail();
  EXPECT_EQ(small->body.size(), 1024u);
  auto big = client.send({.url = url(port, "/big/4096")});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code(), ErrorCode::kInternal);
  EXPECT_NE(big.error().log_detail().find("max_response_bytes"), std::string::npos);
  auto after = client.send({.url = url(port, "/big/10")});
  ASSERT_TRUE(after) << after.error().detail();
  EXPECT_EQ(after->body, std::string(10, 'x'));
}

TEST_F(ClientTest, RejectsInvalidRequestsWithoutSendingThem) {
  const auto port = start();
  Client client;
  for (const std::string bad : {"localhost:8101/x", "ftp://127.0.0.1/", "http://:80/"}) {
    auto response = client.send({.url = bad});
    ASSERT_FALSE(response) << bad;
    EXPECT_EQ(response.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  auto bad_method = client.send({.method = "GE T", .url = url(port, "/subjects/1")});
  ASSERT_FALSE(bad_method);
  EXPECT_EQ(bad_method.error().code(), ErrorCode::kInvalidArgument);
  ClientRequest injected{.url = url(port, "/subjects/1")};
  injected.headers.set("X-Evil", "a\r\nX-Injected: b");
  auto refused = client.send(injected);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(server_connections(), 0);
}

TEST_F(ClientTest, DestroyingTheClientCompletesSendsInFlight) {
  std::promise<void> handler_started;
  auto started_future = handler_started.get_future();
  Router router = peer_routes();
  router.get("/hang", [&handler_started](Request&) {
    handler_started.set_value();
    std::this_thread::sleep_for(1500ms);
    return Response::json(200, "{}");
  });
  const auto port = start({}, std::move(router));
  auto client = std::make_unique<Client>();
  auto caller = std::async(std::launch::async,
                           [&client, port] { return client->send({.url = url(port, "/hang")}); });
  ASSERT_EQ(started_future.wait_for(3s), std::future_status::ready);
  const auto destroying = Clock::now();
  client.reset();
  ASSERT_EQ(caller.wait_for(1s), std::future_status::ready);
  EXPECT_LT(Clock::now() - destroying, 1s);
  auto response = caller.get();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().detail().find("shutting down"), std::string::npos);
}

// ---- against a scripted peer ----------------------------------------------------------

// A listening socket on 127.0.0.1 at a port the kernel picks; sets `port`.
int listen_on_loopback(const char* who, std::uint16_t& port) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 16) != 0) {
    ::close(listener);
    throw std::runtime_error(std::string(who) + ": cannot listen");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return listener;
}

// Waits until `fd` is ready for `events` (POLLIN, POLLOUT); false once `stopping` is set.
bool wait_until_ready(int fd, short events, const std::atomic<bool>& stopping) {
  pollfd poll_fd{.fd = fd, .events = events, .revents = 0};
  while (!stopping) {
    if (::poll(&poll_fd, 1, 20) > 0) return true;
  }
  return false;
}

// A raw HTTP/1.1 peer for what our Server never does: close right after reading a
// request, or answer with `Connection: close`. Answers carry the request's number.
class ScriptedPeer {
 public:
  enum class Action { kAnswer, kAnswerAndClose, kCloseWithoutAnswer };
  using Script = std::function<Action(int request_number)>;  // numbered from 1

  explicit ScriptedPeer(Script script) : script_(std::move(script)) {
    listener_ = listen_on_loopback("ScriptedPeer", port_);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedPeer() {
    stopping_ = true;
    acceptor_.join();
    for (auto& thread : connection_threads_) thread.join();
    ::close(listener_);
  }
  ScriptedPeer(const ScriptedPeer&) = delete;
  ScriptedPeer& operator=(const ScriptedPeer&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  // Waits for `fd` to become readable; false when stopping.
  bool wait_readable(int fd) { return wait_until_ready(fd, POLLIN, stopping_); }

  void accept_loop() {
    while (wait_readable(listener_)) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      connection_threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buffer;
    for (;;) {
      // One request: the header, then Content-Length bytes of body.
      std::size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!read_more(fd, buffer)) return finish(fd);
      }
      std::size_t body_length = 0;
      const auto length_at = buffer.find("Content-Length: ");
      if (length_at != std::string::npos && length_at < header_end) {
        body_length = std::stoul(buffer.substr(length_at + 16));
      }
      while (buffer.size() < header_end + 4 + body_length) {
        if (!read_more(fd, buffer)) return finish(fd);
      }
      buffer.erase(0, header_end + 4 + body_length);
      const int number = ++requests_;
      const Action action = script_(number);
      if (action == Action::kCloseWithoutAnswer) return finish(fd);
      const std::string body = std::to_string(number);
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n";
      if (action == Action::kAnswerAndClose) answer += "Connection: close\r\n";
      answer += "\r\n" + body;
      if (::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL) < 0) return finish(fd);
      if (action == Action::kAnswerAndClose) return finish(fd);
    }
  }

  bool read_more(int fd, std::string& buffer) {
    if (!wait_readable(fd)) return false;
    char chunk[4096];
    const auto received = ::recv(fd, chunk, sizeof chunk, 0);
    if (received <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(received));
    return true;
  }

  static void finish(int fd) {
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  Script script_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::vector<std::thread> connection_threads_;  // only touched by acceptor_ until joined
};

using Action = ScriptedPeer::Action;

// The first connection answers request 1 and closes when request 2 arrives, as a server
// does that timed out the connection just as the request came.
Action close_on_second_request(int number) {
  return number == 2 ? Action::kCloseWithoutAnswer : Action::kAnswer;
}

TEST(ClientRetry, RepeatsAGetOnceOnAFreshConnectionWhenAReusedOneFails) {
  ScriptedPeer peer(close_on_second_request);
  Client client;
  const auto target = url(peer.port(), "/subjects/1");
  auto first = client.send({.url = target});
  ASSERT_TRUE(first) << first.error().detail();
  EXPECT_EQ(first->body, "1");
  auto second = client.send({.url = target});
  ASSERT_TRUE(second) << second.error().detail();
  EXPECT_EQ(second->body, "3");  // request 2 was dropped by the peer, 3 is the retry
  EXPECT_EQ(peer.connections(), 2);
  EXPECT_EQ(peer.requests(), 3);
}

TEST(ClientRetry, NeverRepeatsAPostThePeerMayHaveReceived) {
  ScriptedPeer peer(close_on_second_request);
  Client client;
  ASSERT_TRUE(client.send({.url = url(peer.port(), "/subjects/1")}));
  auto posted = client.send({.method = "POST", .url = url(peer.port(), "/subjects"), .body = "{}"});
  ASSERT_FALSE(posted);
  EXPECT_EQ(posted.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(posted.error().detail().find("closed before a response arrived"), std::string::npos)
      << posted.error().detail();
  EXPECT_EQ(peer.requests(), 2);
  EXPECT_EQ(peer.connections(), 1);
}

TEST(ClientRetry, DoesNotRepeatWhenAFreshConnectionFails) {
  ScriptedPeer peer([](int) { return Action::kCloseWithoutAnswer; });
  Client client;
  auto response = client.send({.url = url(peer.port(), "/subjects/1")});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(peer.requests(), 1);
}

TEST(ClientRetry, HonoursConnectionCloseFromThePeer) {
  ScriptedPeer peer(
      [](int number) { return number == 1 ? Action::kAnswerAndClose : Action::kAnswer; });
  Client client;
  const auto target = url(peer.port(), "/subjects/1");
  ASSERT_TRUE(client.send({.url = target}));
  auto second = client.send({.method = "POST", .url = target, .body = "{}"});
  ASSERT_TRUE(second) << second.error().detail();
  EXPECT_EQ(second->body, "2");
  EXPECT_EQ(peer.connections(), 2);
}

// ---- a peer that never ends a line ----------------------------------------------------

// Answers every request with a chunked response whose head is followed by `tail` and
// then filler without end (no CRLF), until the client goes away or `limit` bytes went.
class EndlessLinePeer {
 public:
  explicit EndlessLinePeer(std::string tail) : tail_(std::move(tail)) {
    listener_ = listen_on_loopback("EndlessLinePeer", port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~EndlessLinePeer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }
  EndlessLinePeer(const EndlessLinePeer&) = delete;
  EndlessLinePeer& operator=(const EndlessLinePeer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  static constexpr std::size_t kLimit = std::size_t{64} * 1024 * 1024;

  bool wait_for(int fd, short events) { return wait_until_ready(fd, events, stopping_); }

  void serve() {
    while (wait_for(listener_, POLLIN)) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      std::string request;
      char chunk[4096];
      while (request.find("\r\n\r\n") == std::string::npos && wait_for(fd, POLLIN)) {
        const auto received = ::recv(fd, chunk, sizeof chunk, 0);
        if (received <= 0) break;
        request.append(chunk, static_cast<std::size_t>(received));
      }
      std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + tail_;
      ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
      const std::string filler(std::size_t{64} * 1024, 'a');
      for (std::size_t sent = 0; sent < kLimit && wait_for(fd, POLLOUT);) {
        const auto n = ::send(fd, filler.data(), filler.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) break;  // the client closed: it gave up on the line
        sent += static_cast<std::size_t>(n);
      }
      ::close(fd);
    }
  }

  std::string tail_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// A chunk-size line (its extensions) or a trailer section that never ends is an
// unreadable answer once it passes the header limit, buffered or streamed: not megabytes
// held in memory until the deadline.
TEST(ClientLimits, AnEndlessChunkLineOrTrailerIsAnErrorNotUnboundedMemory) {
  for (const std::string tail : {"1;ext=", "1\r\na\r\n0\r\nX-Trailer: "}) {
    EndlessLinePeer peer(tail);
    Client client;
    const auto target = url(peer.port(), "/endless");
    auto buffered = client.send({.url = target}, {.timeout = 5s});
    ASSERT_FALSE(buffered) << tail;
    EXPECT_EQ(buffered.error().code(), ErrorCode::kInternal)
        << buffered.error().detail() << " " << buffered.error().log_detail();

    auto streamed = client.send({.url = target}, {.timeout = 5s, .stream_response = true});
    ASSERT_TRUE(streamed) << streamed.error().detail();  // the header is fine
    std::array<char, 4096> chunk{};
    core::Result<std::size_t> read = std::size_t{0};
    do {
      read = streamed->body_stream->read(chunk);
    } while (read && *read > 0);
    ASSERT_FALSE(read) << tail;
    EXPECT_EQ(read.error().code(), ErrorCode::kInternal) << read.error().detail();
    EXPECT_NE(read.error().log_detail().find("unreadable"), std::string::npos)
        << read.error().log_detail();
  }
}

// ---- answers in pieces, and answers only Beast reads ------------------------------------

// Answers every request on a connection with `pieces` of raw bytes, sent one by one with
// a pause between them (so that the client reads them apart), then closes the connection
// when `close_after` is set.
class CannedPeer {
 public:
  CannedPeer(std::vector<std::string> pieces, bool close_after)
      : pieces_(std::move(pieces)), close_after_(close_after) {
    listener_ = listen_on_loopback("CannedPeer", port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedPeer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }
  CannedPeer(const CannedPeer&) = delete;
  CannedPeer& operator=(const CannedPeer&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }

 private:
  bool readable(int fd) { return wait_until_ready(fd, POLLIN, stopping_); }

  void serve() {
    while (readable(listener_)) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      std::string request;
      char chunk[4096];
      for (;;) {
        while (request.find("\r\n\r\n") == std::string::npos && readable(fd)) {
          const auto received = ::recv(fd, chunk, sizeof chunk, 0);
          if (received <= 0) break;
          request.append(chunk, static_cast<std::size_t>(received));
        }
        const std::size_t end = request.find("\r\n\r\n");
        if (end == std::string::npos) break;
        request.erase(0, end + 4);  // the client's GETs have no body
        for (const auto& piece : pieces_) {
          ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL);
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (close_after_) break;
      }
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    }
  }

  std::vector<std::string> pieces_;
  bool close_after_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(ClientAnswers, ReadsAPlainAnswerThatArrivesInPieces) {
  CannedPeer peer({"HTTP/1.1 200 OK\r\nContent-Ty", "pe: text/plain\r\nX-Tag:  a b \r\nContent-",
                   "Length: 11\r\n\r\nhello", " world"},
                  /*close_after=*/false);
  Client client;
  for (int call = 0; call < 2; ++call) {
    auto answer = client.send({.url = url(peer.port(), "/pieces")});
    ASSERT_TRUE(answer) << answer.error().detail();
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->body, "hello world");
    EXPECT_EQ(answer->headers.get("Content-Type"), "text/plain");
    EXPECT_EQ(answer->headers.get("X-Tag"), "a b");
  }
  EXPECT_EQ(peer.connections(), 1);  // kept alive between the calls
}

TEST(ClientAnswers, APeerThatClosesInTheMiddleOfTheBodyFailsTheCall) {
  CannedPeer peer({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd"}, /*close_after=*/true);
  Client client;
  auto answer = client.send({.method = "POST", .url = url(peer.port(), "/cut"), .body = "{}"});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(answer.error().detail().find("in the middle of the response"), std::string::npos)
      << answer.error().detail();
}

TEST(ClientAnswers, BytesAfterTheBodyCloseTheConnection) {
  CannedPeer peer({"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"}, /*close_after=*/false);
  Client client;
  for (int call = 0; call < 2; ++call) {
    auto answer = client.send({.url = url(peer.port(), "/extra")});
    ASSERT_TRUE(answer) << answer.error().detail();
    EXPECT_EQ(answer->body, "ok");
  }
  EXPECT_EQ(peer.connections(), 2);  // the stream was out of step: not reused
}

// An answer that cannot be HTTP is unreadable at once, not a deadline passed while more
// of it is awaited.
TEST(ClientAnswers, AnAnswerThatCannotBeHttpIsUnreadableAtOnce) {
  CannedPeer peer({"SSH-2.0-OpenSSH_9.2\r\n"}, /*close_after=*/false);
  Client client;
  const auto started = std::chrono::steady_clock::now();
  auto answer = client.send({.url = url(peer.port(), "/junk")}, {.timeout = 5s});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), ErrorCode::kInternal) << answer.error().detail();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

// What the plain reading hands to Beast's parser, after it read part or all of it.
TEST(ClientAnswers, AnswersOnlyBeastReadsAreReadFromWhatWasAlreadyReceived) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "lo\r\n0\r\n\r\n"},
       "hello"},
      {{"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}, "ok"},
      {{"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 3\r\n\r\nabc"}, "abc"},
      {{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nfives"}, "fives"},
      {{"HTTP/1.1 200 OK\r\n", "Connection: close\r\n\r\nuntil the end"}, "until the end"},
  };
  for (const auto& [pieces, body] : cases) {
    CannedPeer peer(pieces, /*close_after=*/true);
    Client client;
    auto answer = client.send({.url = url(peer.port(), "/beast")});
    ASSERT_TRUE(answer) << pieces.front() << ": " << answer.error().detail();
    EXPECT_EQ(answer->status, 200) << pieces.front();
    EXPECT_EQ(answer->body, body) << pieces.front();
  }
}

}  // namespace
}  // namespace platform::http
