#include "platform/http/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <future>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

#include "log_capture.h"
#include "platform/http/health.h"
#include "platform/http/json_body.h"
#include "platform/testing/arrivals.h"
#include "platform/testing/http_client.h"
#include "platform/testing/spans.h"
#include "platform/tracing/tracer.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using platform::testing::Arrivals;
using platform::testing::format_request;
using platform::testing::http_request;
using platform::testing::RawConnection;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// `slow_started`, when given, counts the /slow handlers that began.
Router test_routes(Arrivals* slow_started = nullptr) {
  Router router;
  router.get("/subjects/search",
             [](Request&) { return Response::json(200, R"({"search":true})"); });
  router.get("/subjects/{id}", [](Request& request) {
    boost::json::object body{{"id", request.path_param("id")},
                             {"route", request.route},
                             {"limit", request.query_param("limit").value_or("")}};
    return Response::json(200, boost::json::serialize(body));
  });
  router.post("/subjects", [](Request& request) {
    auto body = parse_json_object(request);
    if (!body) return Response::problem(body.error(), request);
    return Response::json(201, boost::json::serialize(*body));
  });
  router.get("/trace", [](Request& request) {
    const auto& trace = request.trace;
    boost::json::object body{
        {"request_id", trace.request_id}, {"trace_id", trace.trace_id},
        {"span_id", trace.span_id},       {"parent_span_id", trace.parent_span_id},
        {"sampled", trace.sampled},       {"remote_address", request.remote_address}};
    return Response::json(200, boost::json::serialize(body));
  });
  router.get("/boom", [](Request&) -> Response { throw std::runtime_error("kaboom"); });
  router.get("/slow/{ms}", [slow_started](Request& request) {
    if (slow_started != nullptr) slow_started->arrive();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::stoi(std::string(request.path_param("ms")))));
    return Response::json(200, R"({"slow":true})");
  });
  router.get(
      "/health/live", [](Request&) { return Response::json(200, R"({"status":"up"})"); },
      Execution::kInline);
  return router;
}

class ServerTest : public ::testing::Test {
 protected:
  std::uint16_t start(ServerOptions options = {}, std::optional<Router> router = std::nullopt) {
    server_ = std::make_unique<Server>(std::move(options),
                                       router ? std::move(*router) : test_routes(&slow_started_),
                                       logs_.logger(), registry_);
    port_ = server_->start();
    return port_;
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  boost::json::object json(const platform::testing::HttpResponse& response) {
    return boost::json::parse(response.body).as_object();
  }

  test::LogCapture logs_;
  metrics::Registry registry_;
  Arrivals slow_started_;  // declared before server_: its handlers use it until stopped
  std::optional<tracing::Tracer> tracer_;  // the same: a traced server writes with it
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, AnswersFromMemoryOnTheNetworkThreadAndOtherwiseOnAWorker) {
  // One worker, held by a slow request: an answer from memory must not need it, and the
  // middleware runs once whichever answers.
  std::atomic<int> middleware_runs{0};
  std::atomic<int> handler_runs{0};
  Router router = test_routes(&slow_started_);
  router.use({.on_request = [&](Request&) -> std::optional<Response> {
    ++middleware_runs;
    return std::nullopt;
  }});
  router.add_with_memory(
      "GET", "/cached/{key}",
      [](Request& request) -> std::optional<Response> {
        if (request.path_param("key") != "hot") return std::nullopt;
        return Response::json(200, R"({"from":"memory"})");
      },
      [&](Request&) {
        ++handler_runs;
        return Response::json(200, R"({"from":"handler"})");
      });
  const auto port = start({.worker_threads = 1}, std::move(router));
  auto slow =
      std::async(std::launch::async, [port] { return http_request(port, "GET", "/slow/600"); });
  ASSERT_TRUE(slow_started_.wait_for(1, 2s));
  const auto hot = http_request(port, "GET", "/cached/hot");
  // Answered while the only worker is still busy with the slow request.
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(json(hot).at("from").as_string(), "memory");
  EXPECT_EQ(handler_runs, 0);
  const auto cold = http_request(port, "GET", "/cached/cold");
  EXPECT_EQ(json(cold).at("from").as_string(), "handler");
  EXPECT_EQ(handler_runs, 1);
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(middleware_runs, 3);  // slow, hot, cold: once each
}

TEST_F(ServerTest, LogsListeningWithTheBoundPort) {
  const auto port = start();
  EXPECT_NE(port, 0);
  EXPECT_EQ(server_->port(), port);
  const auto lines = logs_.lines_with_msg("listening");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("port").as_int64(), port);
  EXPECT_EQ(lines[0].at("host").as_string(), "127.0.0.1");
}

TEST_F(ServerTest, RoutesRequestsAndPassesPathAndQueryParameters) {
  const auto port = start();
  const auto response = http_request(port, "GET", "/subjects/CS%20101?limit=5");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  const auto body = json(response);
  EXPECT_EQ(body.at("id").as_string(), "CS 101");
  EXPECT_EQ(body.at("route").as_string(), "/subjects/{id}");
  EXPECT_EQ(body.at("limit").as_string(), "5");
  EXPECT_EQ(json(http_request(port, "GET", "/subjects/search")).at("search").as_bool(), true);
}

TEST_F(ServerTest, ReadsJsonBodies) {
  const auto port = start();
  const auto created = http_request(port, "POST", "/subjects", R"({"code":"CS101"})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(json(created).at("code").as_string(), "CS101");
  const auto malformed = http_request(port, "POST", "/subjects", "{oops");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.header("Content-Type"), "application/problem+json");
  const auto wrong_type =
      http_request(port, "POST", "/subjects", "{}", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415);
}

TEST_F(ServerTest, AnswersUnknownPathsWith404Problem) {
  const auto port = start();
  for (const std::string path : {"/nothing", "/subjects/"}) {
    const auto response = http_request(port, "GET", path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(json(response).at("instance").as_string(), path);
  }
}

TEST_F(ServerTest, AnswersWrongMethodWith405AndAllow) {
  const auto port = start();
  const auto response = http_request(port, "DELETE", "/subjects/42");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.header("Allow"), "GET, HEAD");
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(json(response).at("status").as_int64(), 405);
}

TEST_F(ServerTest, AnswersHeadWithGetHeadersAndNoBody) {
  const auto port = start();
  const auto get = http_request(port, "GET", "/subjects/42");
  auto connection = RawConnection::connect(port);
  connection.send(format_request("HEAD", "/subjects/42"));
  const auto head = connection.read_response(5s, /*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
  // Had the server sent a body, it would now be read as the next status line.
  connection.send(format_request("GET", "/health/live"));
  EXPECT_EQ(connection.read_response().status, 200);
}

// The answer's head is written as text (no Beast message): the bytes a client gets.
TEST_F(ServerTest, WritesTheAnswersHeadWithItsOwnFramingAndTheHandlersFields) {
  Router router;
  router.get("/fields", [](Request&) {
    return Response::text(200, "hello")
        .with_header("X-Padded", "  kept, trimmed \t")
        .with_header("Content-Length", "999")                     // the server frames
        .with_header("Date", "Thu, 01 Jan 1970 00:00:00 GMT")     // the server's own
        .with_header("X-Request-ID", "forged")                    // the server's own
        .with_header("Connection", "close")                       // hop-by-hop
        .with_header("X-Injected", "a\r\nSet-Cookie: stolen=1");  // would add a line
  });
  router.get("/nothing", [](Request&) { return Response::no_content(); });
  const auto port = start({}, std::move(router));
  auto connection = RawConnection::connect(port);

  connection.send("GET /fields HTTP/1.1\r\nHost: x\r\nX-Request-ID: abc-123\r\n\r\n");
  std::string head = connection.read_until("\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("\r\nX-Padded: kept, trimmed\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nContent-Length: 5\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Request-ID: abc-123\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("forged"), std::string::npos) << head;
  EXPECT_EQ(head.find("1970"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nDate: "), std::string::npos) << head;
  EXPECT_EQ(head.find("Connection"), std::string::npos) << head;  // 1.1 keeps alive
  EXPECT_EQ(head.find("Set-Cookie"), std::string::npos) << head;
  EXPECT_EQ(connection.read_until("hello"), "hello");

  // No body, no length; a 1.1 client asking to close is told so.
  connection.send("GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  head = connection.read_until("\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 204 No Content\r\n")) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nConnection: close\r\n"), std::string::npos) << head;
  EXPECT_TRUE(connection.closed_by_peer(2s));

  // HTTP/1.0 with keep-alive is answered in 1.0 and told it stays open.
  auto old = RawConnection::connect(port);
  old.send("GET /fields HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  head = old.read_until("\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.0 200 OK\r\n")) << head;
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << head;
  EXPECT_EQ(old.read_until("hello"), "hello");
  EXPECT_FALSE(old.closed_by_peer(200ms));
}

TEST_F(ServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  for (int i = 0; i < 3; ++i) {
    connection.send(format_request("GET", "/subjects/" + std::to_string(i)));
    const auto response = connection.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(json(response).at("id").as_string(), std::to_string(i));
    EXPECT_NE(response.header("Connection"), "close");
    EXPECT_FALSE(response.header("Date").empty());
  }
  // Pipelined: two requests in one write, answered in order.
  connection.send(format_request("GET", "/subjects/a") + format_request("GET", "/subjects/b"));
  EXPECT_EQ(json(connection.read_response()).at("id").as_string(), "a");
  EXPECT_EQ(json(connection.read_response()).at("id").as_string(), "b");
}

// A request head may come in pieces, and a request without a body may be followed in the
// same write by one with a body (read by Beast's parser from what was already received).
TEST_F(ServerTest, ReadsAHeadInPiecesAndABodyAfterABodilessRequest) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  const std::string request = format_request("GET", "/subjects/pieces");
  for (std::size_t at = 0; at < request.size(); at += 7) {
    connection.send(request.substr(at, 7));
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(json(connection.read_response()).at("id").as_string(), "pieces");
  connection.send(format_request("GET", "/subjects/first") +
                  "POST /subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Content-Length: 2\r\n\r\n{}" +
                  format_request("GET", "/subjects/last"));
  EXPECT_EQ(json(connection.read_response()).at("id").as_string(), "first");
  EXPECT_EQ(connection.read_response().status, 201);
  EXPECT_EQ(json(connection.read_response()).at("id").as_string(), "last");
}

// A head that cannot be a request is refused as soon as it shows, not once the read
// timeout passes (which would answer 408 to what is a 400).
TEST_F(ServerTest, RefusesAMalformedHeadAtOnceNotAtTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 5s;
  const auto port = start(options);
  for (const std::string junk : {"GET /subjects/1 HTTP/1.1\nHost: x\n", "\x16\x03\x01\x02\x00",
                                 "GET /\r\n", " / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost x\r\n"}) {
    auto connection = RawConnection::connect(port);
    connection.send(junk);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(connection.read_response(3s).status, 400) << junk;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << junk;
  }
}

TEST_F(ServerTest, SendsContinueBeforeReadingABodyWhenAsked) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send(
      "POST /subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(connection.read_until("\r\n\r\n", 3s), "HTTP/1.1 100 Continue\r\n\r\n");
  connection.send("{}");
  EXPECT_EQ(connection.read_response().status, 201);
}

TEST_F(ServerTest, ServesConcurrentClientsOnSeveralIoThreads) {
  ServerOptions options;
  options.io_threads = 2;
  options.worker_threads = 2;
  const auto port = start(options);
  std::vector<std::future<int>> clients;
  for (int client = 0; client < 6; ++client) {
    clients.push_back(std::async(std::launch::async, [port, client] {
      auto connection = RawConnection::connect(port);
      int ok = 0;
      for (int i = 0; i < 40; ++i) {
        const std::string target =
            i % 2 == 0 ? "/health/live" : "/subjects/" + std::to_string(client);
        connection.send(format_request("GET", target));
        if (connection.read_response().status == 200) ++ok;
      }
      return ok;
    }));
  }
  for (auto& client : clients) EXPECT_EQ(client.get(), 40);
}

TEST_F(ServerTest, ClosesWhenTheClientAsksTo) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send(format_request("GET", "/subjects/1", "", {{"Connection", "close"}}));
  const auto response = connection.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(connection.closed_by_peer(2s));
}

TEST_F(ServerTest, EchoesAValidRequestIdAndReplacesAnInvalidOne) {
  const auto port = start();
  const auto echoed = http_request(port, "GET", "/trace", "", {{"X-Request-ID", "abc-123_x.y"}});
  EXPECT_EQ(echoed.header("X-Request-ID"), "abc-123_x.y");
  EXPECT_EQ(json(echoed).at("request_id").as_string(), "abc-123_x.y");

  const auto generated = http_request(port, "GET", "/trace");
  EXPECT_EQ(generated.header("X-Request-ID").size(), 36u);  // a UUID
  EXPECT_EQ(json(generated).at("request_id").as_string(), generated.header("X-Request-ID"));

  for (const std::string& bad :
       {std::string("has space"), std::string("semi;colon"), std::string(129, 'a')}) {
    const auto replaced = http_request(port, "GET", "/trace", "", {{"X-Request-ID", bad}});
    EXPECT_EQ(replaced.header("X-Request-ID").size(), 36u) << bad;
  }
  // Even answers the server makes itself carry one.
  EXPECT_EQ(http_request(port, "GET", "/nothing").header("X-Request-ID").size(), 36u);
}

TEST_F(ServerTest, KeepsTheCallersTraceAndStartsANewSpan) {
  const auto port = start();
  const auto body =
      json(http_request(port, "GET", "/trace", "", {{"traceparent", std::string(kTraceparent)}}));
  EXPECT_EQ(body.at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(body.at("parent_span_id").as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(body.at("span_id").as_string().size(), 16u);
  EXPECT_NE(body.at("span_id").as_string(), "00f067aa0ba902b7");
  EXPECT_TRUE(body.at("sampled").as_bool());
  EXPECT_EQ(body.at("remote_address").as_string(), "127.0.0.1");

  const auto unsampled = json(
      http_request(port, "GET", "/trace", "",
                   {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}}));
  EXPECT_FALSE(unsampled.at("sampled").as_bool());
}

TEST_F(ServerTest, StartsANewTraceWhenTraceparentIsInvalid) {
  const auto port = start();
  for (const std::string bad :
       {"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "garbage"}) {
    const auto body = json(http_request(port, "GET", "/trace", "", {{"traceparent", bad}}));
    EXPECT_NE(body.at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736") << bad;
    EXPECT_EQ(body.at("trace_id").as_string().size(), 32u);
    EXPECT_EQ(body.at("parent_span_id").as_string(), "") << bad;
  }
}

TEST_F(ServerTest, WritesOneAccessLogLinePerRequest) {
  const auto port = start();
  const auto response =
      http_request(port, "GET", "/subjects/42?token=secret", "",
                   {{"X-Request-ID", "access-log-1"}, {"traceparent", std::string(kTraceparent)}});
  ASSERT_EQ(response.status, 200);
  const auto line = logs_.wait_for("request", "request_id", "access-log-1");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->at("level").as_string(), "info");
  EXPECT_EQ(line->at("method").as_string(), "GET");
  EXPECT_EQ(line->at("route").as_string(), "/subjects/{id}");
  EXPECT_EQ(line->at("path").as_string(), "/subjects/42");  // never the query
  EXPECT_EQ(line->at("status").as_int64(), 200);
  EXPECT_GE(line->at("duration_ms").as_double(), 0.0);
  EXPECT_GT(line->at("bytes_in").as_int64(), 0);
  EXPECT_GT(line->at("bytes_out").as_int64(), static_cast<std::int64_t>(response.body.size()));
  EXPECT_EQ(line->at("trace_id").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(line->at("span_id").as_string().size(), 16u);

  http_request(port, "GET", "/nothing/here", "", {{"X-Request-ID", "access-log-2"}});
  const auto unmatched = logs_.wait_for("request", "request_id", "access-log-2");
  ASSERT_TRUE(unmatched.has_value());
  EXPECT_EQ(unmatched->at("route").as_string(), "unmatched");
  EXPECT_EQ(unmatched->at("status").as_int64(), 404);
}

// The server's span of a request, as OpenTelemetry names its fields: named by method and
// route template (the method alone when nothing matched), the caller's span its parent,
// its attributes, an error only for a 5xx; a long route's name is written whole.
TEST_F(ServerTest, WritesASpanPerRequestNamedByItsRoute) {
  tracing::Tracer& tracer = tracer_.emplace(tracing::TracerOptions{}, logs_.logger());
  const std::string long_route = "/" + std::string(150, 'r') + "/{id}";
  Router router = test_routes();
  router.get(long_route, [](Request&) { return Response::json(200, "{}"); });
  start({.tracer = &tracer}, std::move(router));
  ASSERT_EQ(http_request(port_, "GET", "/subjects/42?x=1", "",
                         {{"X-Request-ID", "span-1"}, {"traceparent", std::string(kTraceparent)}})
                .status,
            200);
  ASSERT_EQ(http_request(port_, "GET", "/nothing/here", "", {{"X-Request-ID", "span-2"}}).status,
            404);
  ASSERT_EQ(http_request(port_, "GET", "/boom", "", {{"X-Request-ID", "span-3"}}).status, 500);
  ASSERT_EQ(http_request(port_, "GET", "/" + std::string(150, 'r') + "/7", "",
                         {{"X-Request-ID", "span-4"}})
                .status,
            200);

  const auto span_of = [this](std::string_view request_id) {
    // The access line names the trace; the span line of that trace is the server's.
    const auto access = logs_.wait_for("request", "request_id", request_id);
    EXPECT_TRUE(access.has_value());
    if (!access) return boost::json::object{};
    const auto line = logs_.wait_for("span", "trace_id", access->at("trace_id").as_string());
    EXPECT_TRUE(line.has_value());
    return line ? line->at("span").as_object() : boost::json::object{};
  };
  const auto attributes_of = [](const boost::json::object& span) {
    return platform::testing::span_attributes(span.at("attributes"));
  };

  const auto routed = span_of("span-1");
  ASSERT_FALSE(routed.empty());
  EXPECT_EQ(routed.at("name").as_string(), "GET /subjects/{id}");
  EXPECT_EQ(routed.at("kind").as_int64(), 2);
  EXPECT_EQ(routed.at("traceId").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(routed.at("parentSpanId").as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(routed.at("status").at("code").as_int64(), 0);
  const std::map<std::string, std::string> expected{{"http.request.method", "GET"},
                                                    {"http.route", "/subjects/{id}"},
                                                    {"url.path", "/subjects/42"},
                                                    {"http.response.status_code", "200"},
                                                    {"request_id", "span-1"}};
  EXPECT_EQ(attributes_of(routed), expected);

  const auto unmatched = span_of("span-2");
  ASSERT_FALSE(unmatched.empty());
  EXPECT_EQ(unmatched.at("name").as_string(), "GET");
  EXPECT_FALSE(unmatched.contains("parentSpanId"));
  EXPECT_EQ(attributes_of(unmatched).count("http.route"), 0u);
  EXPECT_EQ(unmatched.at("status").at("code").as_int64(), 0);  // a 4xx is the client's

  const auto failed = span_of("span-3");
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(failed.at("status").at("code").as_int64(), 2);

  const auto long_named = span_of("span-4");
  ASSERT_FALSE(long_named.empty());
  EXPECT_EQ(long_named.at("name").as_string(), "GET " + long_route);
}

TEST_F(ServerTest, RecordsRedMetricsByRouteTemplate) {
  const auto port = start();
  http_request(port, "GET", "/subjects/1");
  http_request(port, "GET", "/subjects/2");
  http_request(port, "GET", "/no/such/path");
  // The access line and metrics follow the write; wait for the last one.
  ASSERT_TRUE(logs_.wait_for("request", "path", "/no/such/path").has_value());
  const auto text = registry_.render();
  EXPECT_NE(text.find(R"(http_requests_total{method="GET",route="/subjects/{id}",status="200"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_requests_total{method="GET",route="unmatched",status="404"} 1)"),
            std::string::npos);
  EXPECT_NE(
      text.find(R"(http_request_duration_seconds_count{method="GET",route="/subjects/{id}"} 2)"),
      std::string::npos);
  EXPECT_NE(text.find("http_requests_in_flight"), std::string::npos);
  EXPECT_EQ(text.find("/subjects/1"), std::string::npos);  // no raw paths as labels
}

TEST_F(ServerTest, ServesMetricsAndHealthRoutes) {
  Router router = test_routes();
  Health health;
  health.add_check("database", [] { return core::ok(); });
  Router operational;
  mount_operational_routes(operational, health, registry_);
  for (const auto& route : operational.routes()) {
    if (route.pattern != "/health/live")
      router.add(route.method, route.pattern, route.handler, route.execution);
  }
  const auto port = start({}, std::move(router));
  http_request(port, "GET", "/subjects/1");
  ASSERT_TRUE(logs_.wait_for("request", "path", "/subjects/1").has_value());
  const auto metrics = http_request(port, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find(R"(route="/subjects/{id}")"), std::string::npos);
  const auto ready = http_request(port, "GET", "/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json(ready).at("checks").at("database").at("status").as_string(), "up");
}

TEST_F(ServerTest, TurnsAHandlerExceptionInto500AndKeepsServing) {
  const auto port = start();
  const auto response = http_request(port, "GET", "/boom", "", {{"X-Request-ID", "boom-1"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(response.body.find("kaboom"), std::string::npos);  // not shown to clients
  const auto logged = logs_.wait_for("handler threw an exception", "request_id", "boom-1");
  ASSERT_TRUE(logged.has_value());
  EXPECT_EQ(logged->at("error").as_string(), "kaboom");
  EXPECT_EQ(logged->at("level").as_string(), "error");
  EXPECT_EQ(http_request(port, "GET", "/subjects/1").status, 200);
}

TEST_F(ServerTest, AnswersADeclaredOversizedBodyWith413WithoutReadingIt) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  const auto started = Clock::now();
  connection.send(
      "POST /subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 8388608\r\n\r\n" +
      std::string(1024, ' '));
  const auto response = connection.read_response(5s);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(ServerTest, AnswersAnOversizedChunkedBodyWith413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  const auto port = start(options);
  auto connection = RawConnection::connect(port);
  std::string chunk(2048, 'x');
  connection.send_allow_error(
      "POST /subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n800\r\n" +
      chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(connection.read_response(5s).status, 413);
}

TEST_F(ServerTest, AnswersAnOverlongUrlWith414) {
  const auto port = start();
  const auto response = http_request(port, "GET", "/subjects/" + std::string(20'000, 'a'));
  EXPECT_EQ(response.status, 414);
  EXPECT_EQ(response.header("Connection"), "close");
  // Beyond what the parser itself buffers, it is still a 414.
  EXPECT_EQ(http_request(port, "GET", "/subjects/" + std::string(100'000, 'a')).status, 414);
}

TEST_F(ServerTest, AnswersHugeHeadersWith431) {
  const auto port = start();
  EXPECT_EQ(
      http_request(port, "GET", "/subjects/1", "", {{"X-Big", std::string(20'000, 'b')}}).status,
      431);
  // Beyond what the parser itself buffers.
  EXPECT_EQ(
      http_request(port, "GET", "/subjects/1", "", {{"X-Huge", std::string(100'000, 'b')}}).status,
      431);
  // Many small fields count together.
  platform::testing::HeaderList many;
  for (int i = 0; i < 400; ++i)
    many.emplace_back("X-Field-" + std::to_string(i), std::string(40, 'v'));
  EXPECT_EQ(http_request(port, "GET", "/subjects/1", "", many).status, 431);
}

TEST_F(ServerTest, AnswersMalformedHttpWith400AndCloses) {
  const auto port = start();
  auto connection = RawConnection::connect(port);
  connection.send("THIS IS NOT HTTP\r\n\r\n");
  const auto response = connection.read_response(5s);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
  EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(ServerTest, AStalledClientDoesNotDelayOthersAndIsDisconnectedAfterTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 500ms;
  const auto port = start(options);
  auto stalled = RawConnection::connect(port);
  const auto started = Clock::now();
  stalled.send("GET /subjects/1 HTTP/1.1\r\nHost: x\r\n");  // and never the blank line

  const auto other_started = Clock::now();
  EXPECT_EQ(http_request(port, "GET", "/subjects/2").status, 200);
  EXPECT_LT(Clock::now() - other_started, 300ms);

  const auto response = stalled.read_response(3s);
  EXPECT_EQ(response.status, 408);
  EXPECT_GE(Clock::now() - started, 450ms);
  EXPECT_TRUE(stalled.closed_by_peer(3s));
  EXPECT_LT(Clock::now() - started, 3s);
}

// The connection's timer is armed and disarmed lazily (it waits on across requests and
// looks at the deadline when it fires): a connection that served requests in quick
// succession and then stalls mid-request is still cut off at its read timeout, not
// sooner (a wait left from a request before) and not much later.
TEST_F(ServerTest, AKeptAliveConnectionThatStallsAfterManyRequestsIsCutOffAtTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 400ms;
  const auto port = start(options);
  auto connection = RawConnection::connect(port);
  for (int i = 0; i < 20; ++i) {
    connection.send(format_request("GET", "/subjects/1"));
    ASSERT_EQ(connection.read_response().status, 200);
    std::this_thread::sleep_for(10ms);  // the requests span half the timeout
  }
  const auto started = Clock::now();
  connection.send("GET /subjects/1 HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
  EXPECT_EQ(connection.read_response(3s).status, 408);
  EXPECT_GE(Clock::now() - started, 350ms);
  EXPECT_LT(Clock::now() - started, 1500ms);
  EXPECT_TRUE(connection.closed_by_peer(3s));
}

TEST_F(ServerTest, AStalledBodyIsAlsoCutOffByTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 300ms;
  const auto port = start(options);
  auto stalled = RawConnection::connect(port);
  stalled.send(
      "POST /subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"a\":");
  EXPECT_EQ(stalled.read_response(3s).status, 408);
  EXPECT_TRUE(stalled.closed_by_peer(3s));
}

TEST_F(ServerTest, ClosesIdleKeepAliveConnectionsAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = 200ms;
  const auto port = start(options);
  auto connection = RawConnection::connect(port);
  connection.send(format_request("GET", "/subjects/1"));
  EXPECT_EQ(connection.read_response().status, 200);
  const auto started = Clock::now();
  EXPECT_TRUE(connection.closed_by_peer(3s));
  EXPECT_GE(Clock::now() - started, 150ms);
}

TEST_F(ServerTest, ClosesANewConnectionThatSendsNothingWithinTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 200ms;
  options.idle_timeout = 60s;
  const auto port = start(options);
  auto silent = RawConnection::connect(port);
  const auto started = Clock::now();
  EXPECT_TRUE(silent.closed_by_peer(3s));
  EXPECT_LT(Clock::now() - started, 2s);
}

TEST_F(ServerTest, AWorkerPoolHandlerDoesNotBlockInlineRoutes) {
  ServerOptions options;
  options.io_threads = 1;
  options.worker_threads = 1;
  const auto port = start(options);
  auto slow = RawConnection::connect(port);
  slow.send(format_request("GET", "/slow/500"));
  ASSERT_TRUE(slow_started_.wait_for(1, 5s));  // the only worker is busy now

  const auto started = Clock::now();
  EXPECT_EQ(http_request(port, "GET", "/health/live").status, 200);
  EXPECT_LT(Clock::now() - started, 300ms);
  EXPECT_EQ(slow.read_response().status, 200);
}

TEST_F(ServerTest, GracefulStopFinishesInFlightRequestsAndClosesIdleConnections) {
  const auto port = start();
  auto idle = RawConnection::connect(port);
  idle.send(format_request("GET", "/subjects/1"));
  ASSERT_EQ(idle.read_response().status, 200);

  auto busy = RawConnection::connect(port);
  busy.send(format_request("GET", "/slow/300"));
  ASSERT_TRUE(slow_started_.wait_for(1, 5s));

  const auto started = Clock::now();
  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  const auto response = busy.read_response(5s);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"slow":true})");
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_TRUE(server_->draining());
  EXPECT_TRUE(idle.closed_by_peer(1s));
  EXPECT_THROW(RawConnection::connect(port), std::runtime_error);
  EXPECT_EQ(logs_.lines_with_msg("stopped").size(), 1u);
  server_->stop();  // idempotent
  EXPECT_EQ(logs_.lines_with_msg("stopped").size(), 1u);
}

TEST_F(ServerTest, StopGivesUpOnRequestsThatOutlastTheShutdownTimeout) {
  ServerOptions options;
  options.shutdown_timeout = 200ms;
  const auto port = start(options);
  auto busy = RawConnection::connect(port);
  busy.send(format_request("GET", "/slow/1000"));
  ASSERT_TRUE(slow_started_.wait_for(1, 5s));
  const auto started = Clock::now();
  server_->stop();
  // The handler itself cannot be interrupted: stop() waits for the worker to return.
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_TRUE(busy.closed_by_peer(2s));
  const auto warnings = logs_.lines_with_msg("shutdown timeout passed; closing connections");
  EXPECT_EQ(warnings.size(), 1u);
}

TEST_F(ServerTest, WaitForShutdownSignalStopsGracefullyOnSigterm) {
  const auto port = start();
  auto waiting = std::async(std::launch::async, [this] { server_->wait_for_shutdown_signal(); });
  // No wait needed: the server catches SIGTERM from start() on and holds it until then.
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  ASSERT_EQ(waiting.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(server_->draining());
  EXPECT_THROW(RawConnection::connect(port), std::runtime_error);
  EXPECT_EQ(logs_.lines_with_msg("shutdown signal received").size(), 1u);
}

TEST_F(ServerTest, WaitForShutdownSignalReturnsWhenStoppedDirectly) {
  start();
  auto waiting = std::async(std::launch::async, [this] { server_->wait_for_shutdown_signal(); });
  std::this_thread::sleep_for(50ms);
  server_->stop();
  EXPECT_EQ(waiting.wait_for(5s), std::future_status::ready);
}

TEST_F(ServerTest, DestructorStopsARunningServer) {
  const auto port = start();
  EXPECT_EQ(http_request(port, "GET", "/subjects/1").status, 200);
  server_.reset();
  EXPECT_THROW(RawConnection::connect(port), std::runtime_error);
}

TEST(Server, ThrowsWhenThePortIsTaken) {
  test::LogCapture logs;
  metrics::Registry registry;
  Server first(ServerOptions{}, Router{}, logs.logger(), registry);
  const auto port = first.start();
  Server second(ServerOptions{.port = port}, Router{}, logs.logger(), registry);
  EXPECT_ANY_THROW(second.start());
}

}  // namespace
}  // namespace platform::http
