#include "platform/http/router.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../src/server/dispatch.h"
#include "log_capture.h"

namespace platform::http {
namespace {

Handler answer(const std::string& body) {
  return [body](Request&) { return Response::text(200, body); };
}

// The pure request -> response path the server runs for a synchronous route.
Response run(const Router& router, std::string method, std::string path) {
  test::LogCapture logs;
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  auto match = router.match(request.method, request.path);
  request.path_params = match.params;
  return detail::Dispatcher(router, logs.logger()).respond(match, request);
}

TEST(Router, MatchesLiteralPath) {
  Router router;
  router.get("/subjects", answer("list"));
  const auto match = router.match("GET", "/subjects");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.route->pattern, "/subjects");
  EXPECT_TRUE(match.params.empty());
}

TEST(Router, MatchesRootPath) {
  Router router;
  router.get("/", answer("root"));
  EXPECT_EQ(router.match("GET", "/").kind, Router::Match::Kind::kFound);
  EXPECT_EQ(router.match("GET", "/x").kind, Router::Match::Kind::kNotFound);
}

TEST(Router, ExtractsPathParametersByName) {
  Router router;
  router.get("/subjects/{id}/outcomes/{index}", answer("outcome"));
  const auto match = router.match("GET", "/subjects/42/outcomes/3");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  ASSERT_EQ(match.params.size(), 2u);
  EXPECT_EQ(match.params[0], (std::pair<std::string, std::string>{"id", "42"}));
  EXPECT_EQ(match.params[1], (std::pair<std::string, std::string>{"index", "3"}));
}

TEST(Router, PercentDecodesPathParametersButKeepsPlusAndMalformedEscapes) {
  Router router;
  router.get("/files/{name}", answer("file"));
  EXPECT_EQ(router.match("GET", "/files/a%20b%2Fc").params.at(0).second, "a b/c");
  EXPECT_EQ(router.match("GET", "/files/a+b").params.at(0).second, "a+b");
  EXPECT_EQ(router.match("GET", "/files/100%zz").params.at(0).second, "100%zz");
}

TEST(Router, PrefersLiteralSegmentOverParameter) {
  for (const bool literal_first : {true, false}) {
    Router router;
    if (literal_first) router.get("/subjects/search", answer("search"));
    router.get("/subjects/{id}", answer("by id"));
    if (!literal_first) router.get("/subjects/search", answer("search"));
    EXPECT_EQ(run(router, "GET", "/subjects/search").body, "search") << literal_first;
    EXPECT_EQ(run(router, "GET", "/subjects/42").body, "by id") << literal_first;
  }
}

TEST(Router, DecidesSpecificityAtTheFirstDifferingSegment) {
  Router router;
  router.get("/{a}/b", answer("param then literal"));
  router.get("/a/{b}", answer("literal then param"));
  EXPECT_EQ(run(router, "GET", "/a/b").body, "literal then param");
}

TEST(Router, FallsBackToParameterRouteWhenLiteralRouteLacksTheMethod) {
  Router router;
  router.get("/subjects/search", answer("search"));
  router.del("/subjects/{id}", answer("deleted"));
  EXPECT_EQ(run(router, "DELETE", "/subjects/search").body, "deleted");
}

TEST(Router, TreatsTrailingSlashAsNoMatch) {
  Router router;
  router.get("/subjects", answer("list"));
  router.get("/subjects/{id}", answer("one"));
  EXPECT_EQ(router.match("GET", "/subjects/").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "/subjects/42/").kind, Router::Match::Kind::kNotFound);
}

TEST(Router, DoesNotMatchEmptySegmentAsParameter) {
  Router router;
  router.get("/subjects/{id}/files", answer("files"));
  EXPECT_EQ(router.match("GET", "/subjects//files").kind, Router::Match::Kind::kNotFound);
}

TEST(Router, DoesNotMatchPathWithoutLeadingSlash) {
  Router router;
  router.get("/subjects", answer("list"));
  EXPECT_EQ(router.match("GET", "subjects").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.match("GET", "").kind, Router::Match::Kind::kNotFound);
}

TEST(Router, ReportsMethodNotAllowedWithSortedAllowListIncludingHead) {
  Router router;
  router.get("/subjects/{id}", answer("get"));
  router.del("/subjects/{id}", answer("delete"));
  router.put("/subjects/{id}", answer("put"));
  const auto match = router.match("POST", "/subjects/42");
  ASSERT_EQ(match.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allowed, (std::vector<std::string>{"DELETE", "GET", "HEAD", "PUT"}));
}

TEST(Router, AnswersHeadWithTheGetRoute) {
  Router router;
  router.get("/subjects", answer("list"));
  const auto match = router.match("HEAD", "/subjects");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.route->method, "GET");
}

TEST(Router, PrefersAnExplicitHeadRoute) {
  Router router;
  router.get("/subjects", answer("get"));
  router.add("HEAD", "/subjects", answer("head"));
  EXPECT_EQ(router.match("HEAD", "/subjects").route->method, "HEAD");
}

TEST(Router, RunsOnRequestInOrderAndOnResponseInReverse) {
  Router router;
  std::vector<std::string> calls;
  router.use({.on_request = [&](Request&) -> std::optional<Response> {
                calls.emplace_back("outer before");
                return std::nullopt;
              },
              .on_response =
                  [&](const Request&, Response& response) {
                    calls.emplace_back("outer after");
                    response.headers.set("X-Outer", "1");
                  }});
  router.use(
      {.on_request = [&](Request& request) -> std::optional<Response> {
         calls.emplace_back("inner before");
         request.headers.set("X-Seen", "inner");
         return std::nullopt;
       },
       .on_response = [&](const Request&, Response&) { calls.emplace_back("inner after"); }});
  router.get("/x", [&](Request& request) {
    calls.push_back("handler " + std::string(request.headers.get("X-Seen")));
    return Response::text(200, "ok");
  });
  const auto response = run(router, "GET", "/x");
  EXPECT_EQ(calls, (std::vector<std::string>{"outer before", "inner before", "handler inner",
                                             "inner after", "outer after"}));
  EXPECT_EQ(response.headers.get("X-Outer"), "1");
}

TEST(Router, MiddlewareCanAnswerWithoutCallingTheHandlerOrTheLayersAfterIt) {
  Router router;
  bool handler_ran = false;
  bool later_layer_ran = false;
  std::vector<std::string> seen_by_on_response;
  router.use({.on_request = nullptr, .on_response = [&](const Request&, Response& response) {
                seen_by_on_response.push_back(std::to_string(response.status));
              }});
  router.use(
      {.on_request = [](Request&) -> std::optional<Response> { return Response::text(401, "no"); },
       .on_response = nullptr});
  router.use({.on_request = [&](Request&) -> std::optional<Response> {
                later_layer_ran = true;
                return std::nullopt;
              },
              .on_response = nullptr});
  router.get("/x", [&](Request&) {
    handler_ran = true;
    return Response::text(200, "ok");
  });
  EXPECT_EQ(run(router, "GET", "/x").status, 401);
  EXPECT_FALSE(handler_ran);
  EXPECT_FALSE(later_layer_ran);
  EXPECT_EQ(seen_by_on_response, std::vector<std::string>{"401"});
}

TEST(Router, MiddlewareAlsoSeesRequestsThatMatchNoRoute) {
  Router router;
  std::vector<std::string> routes_seen;
  router.use({.on_request = [&](Request& request) -> std::optional<Response> {
                routes_seen.push_back(request.route.empty() ? "none" : request.route);
                return std::nullopt;
              },
              .on_response = nullptr});
  router.get("/x", answer("x"));
  EXPECT_EQ(run(router, "GET", "/nowhere").status, 404);
  const auto not_allowed = run(router, "DELETE", "/x");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(not_allowed.headers.get("Allow"), "GET, HEAD");
  EXPECT_EQ(routes_seen, (std::vector<std::string>{"none", "none"}));
}

TEST(Router, AnExceptionInAHandlerOrAMiddlewareBecomesA500ThatOnResponseStillSees) {
  Router router;
  int on_response_calls = 0;
  router.use({.on_request = nullptr, .on_response = [&](const Request&, Response& response) {
                ++on_response_calls;
                response.headers.set("X-Layer", "saw it");
              }});
  router.get("/boom", [](Request&) -> Response { throw std::runtime_error("kaboom"); });
  const auto response = run(router, "GET", "/boom");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.headers.get("X-Layer"), "saw it");
  EXPECT_EQ(response.body.find("kaboom"), std::string::npos) << "internal detail leaked";
  EXPECT_EQ(on_response_calls, 1);
}

TEST(Router, ATailParameterTakesTheRestOfThePathStillEncoded) {
  Router router;
  router.add("GET", "/api/v1/subjects/{rest...}", answer("proxy"));
  router.get("/api/v1/subjects/special", answer("special"));
  auto match = router.match("GET", "/api/v1/subjects/a%2Fb/files");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.params,
            (std::vector<std::pair<std::string, std::string>>{{"rest", "/a%2Fb/files"}}));
  match = router.match("GET", "/api/v1/subjects");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.params, (std::vector<std::pair<std::string, std::string>>{{"rest", ""}}));
  match = router.match("GET", "/api/v1/subjects/");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.params, (std::vector<std::pair<std::string, std::string>>{{"rest", "/"}}));
  // A literal route is more specific than the tail.
  EXPECT_EQ(router.match("GET", "/api/v1/subjects/special").route->pattern,
            "/api/v1/subjects/special");
  EXPECT_EQ(router.match("GET", "/api/v1/other").kind, Router::Match::Kind::kNotFound);
}

TEST(Router, APlainParameterIsDecodedButAnEncodedSlashStaysInItsSegment) {
  Router router;
  router.get("/files/{name}", answer("one segment"));
  const auto match = router.match("GET", "/files/a%2Fb");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.params, (std::vector<std::pair<std::string, std::string>>{{"name", "a/b"}}));
  EXPECT_EQ(router.match("GET", "/files/a/b").kind, Router::Match::Kind::kNotFound);
}

// Several escaped segments in one path, decoded side by side: literals compare with the
// decoded text, each parameter gets its own, and plain segments between them are kept.
TEST(Router, EveryEscapedSegmentOfAPathIsDecodedOnItsOwn) {
  Router router;
  router.get("/caf\xC3\xA9 menu/{first}/plain/{second}", answer("decoded"));
  const auto match = router.match("GET", "/caf%C3%A9%20menu/a%20b/plain/c%2Fd%25");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(match.params, (std::vector<std::pair<std::string, std::string>>{{"first", "a b"},
                                                                            {"second", "c/d%"}}));
  EXPECT_EQ(router.match("GET", "/caf%C3%A9%20menu/a/plain/%2F").kind, Router::Match::Kind::kFound);
  EXPECT_EQ(router.match("GET", "/cafe%20menu/a/plain/b").kind, Router::Match::Kind::kNotFound);
}

TEST(Router, RefusesATailThatIsNotTheLastSegment) {
  Router router;
  EXPECT_THROW(router.get("/a/{rest...}/b", answer("x")), std::invalid_argument);
}

TEST(Router, RejectsMalformedOrDuplicateRoutesAtStartUp) {
  Router router;
  EXPECT_THROW(router.get("subjects", answer("x")), std::invalid_argument);
  EXPECT_THROW(router.get("/x", Handler{}), std::invalid_argument);
  router.get("/x", answer("x"));
  EXPECT_THROW(router.get("/x", answer("again")), std::invalid_argument);
}

TEST(Router, MatchesDeferredRoutesLikeOthers) {
  Router router;
  router.add_async("GET", "/config/{key}",
                   [](Request&, Responder respond) { respond(Response::text(200, "now")); });
  const auto match = router.match("HEAD", "/config/x");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_TRUE(match.route->async_handler);
  EXPECT_FALSE(match.route->handler);
  EXPECT_EQ(match.params, (std::vector<std::pair<std::string, std::string>>{{"key", "x"}}));
  EXPECT_EQ(router.match("POST", "/config/x").kind, Router::Match::Kind::kMethodNotAllowed);
}

TEST(Router, RejectsMalformedOrDuplicateDeferredRoutes) {
  Router router;
  const AsyncHandler handler = [](Request&, Responder) {};
  EXPECT_THROW(router.add_async("GET", "config", handler), std::invalid_argument);
  EXPECT_THROW(router.add_async("GET", "/config", AsyncHandler{}), std::invalid_argument);
  router.get("/config", answer("x"));
  EXPECT_THROW(router.add_async("GET", "/config", handler), std::invalid_argument);
  router.add_async("GET", "/watch", handler);
  EXPECT_THROW(router.get("/watch", answer("x")), std::invalid_argument);
}

}  // namespace
}  // namespace platform::http
