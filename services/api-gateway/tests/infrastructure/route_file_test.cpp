// The routes document (route_file.h): the built-in one, and refusals.
#include "infrastructure/route_file.h"

#include <gtest/gtest.h>

namespace {

using namespace api_gateway;

TEST(RouteFile, TheBuiltInRoutesServeThePlatform) {
  auto table = infrastructure::load_routes(infrastructure::default_routes(), {});
  ASSERT_TRUE(table) << table.error().detail();
  EXPECT_EQ(table->match("/api/v1/subjects/1").upstream_path, "/subjects/1");
  EXPECT_EQ(table->match("/api/v1/syllabi").route->upstream, "syllabus-service");
  EXPECT_EQ(table->match("/api/v1/files/9/content").route->access, domain::Access::kPublic);
  // Public syllabi are read without a token; writing still needs one.
  EXPECT_EQ(table->match("/api/v1/syllabi").route->access, domain::Access::kOptional);
  EXPECT_EQ(domain::required_role(*table->match("/api/v1/syllabi").route, "POST"), "editor");
  EXPECT_EQ(table->match("/api/v1/admin/syllabus-service/read-model").upstream_path,
            "/admin/read-model");
  EXPECT_EQ(table->rate_limit(*table->match("/api/v1/files").route)->burst, 100u);
}

TEST(RouteFile, ReadsEveryField) {
  auto table = infrastructure::load_routes(R"(
rate_limits:
  slow: {rps: 2.5, burst: 5}
cors: {origins: ["http://a.example"], max_age_seconds: 60}
routes:
  - name: r
    prefix: /p
    rewrite: /q
    urls: [http://127.0.0.1:9/]
    methods: [get, post]
    auth: optional
    roles: {POST: admin}
    rate_limit: slow
    timeout_ms: 5000
    attempt_timeout_ms: 1000
    max_attempts: 3
    cacheable: true
    stale_if_error_seconds: 60
    request_headers: {set: {X-A: b}, remove: [X-B], rename: {X-C: X-D}}
)",
                                           {.default_rps = 7, .default_burst = 9});
  ASSERT_TRUE(table) << table.error().detail();
  const auto& route = table->config().routes.at(0);
  EXPECT_EQ(route.urls.at(0), "http://127.0.0.1:9");
  EXPECT_EQ(route.methods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(route.access, domain::Access::kOptional);
  EXPECT_EQ(route.roles.at("POST"), "admin");
  EXPECT_EQ(route.timeout.count(), 5000);
  EXPECT_EQ(route.attempt_timeout.count(), 1000);
  EXPECT_TRUE(route.cacheable);
  EXPECT_EQ(route.request_headers.rename.at(0).second, "X-D");
  EXPECT_EQ(table->rate_limit(route)->requests_per_second, 2.5);
  EXPECT_EQ(table->config().rate_limits.at("default").burst, 9u);
}

TEST(RouteFile, RefusesUnknownKeysAndBadValuesAllAtOnce) {
  for (const char* text : {"", "[1, 2]", "routes: []", "routes: [{prefix: /a, urls: [x]}]",
                           "routes: [{prefix: /a, upstream: s, auth: maybe, colour: red}]",
                           "routes: [{prefix: /a, upstream: s, timeout_ms: -1}]", ": : :"}) {
    auto table = infrastructure::load_routes(text, {});
    EXPECT_FALSE(table) << text;
  }
  auto table = infrastructure::load_routes(
      "routes: [{prefix: /a, upstream: s, auth: maybe, colour: red}]", {});
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().field_errors().size(), 2u);
}

}  // namespace
