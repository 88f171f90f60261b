// Routes as data: matching, rewriting, roles (route_table.h).
#include "domain/route_table.h"

#include <gtest/gtest.h>

namespace {

using namespace api_gateway::domain;

RouteTable table_of(std::vector<RouteSpec> routes) {
  auto table = RouteTable::build({.routes = std::move(routes)});
  EXPECT_TRUE(table) << (table ? "" : table.error().detail());
  return std::move(*table);
}

TEST(RouteTable, TheMostSpecificPrefixWinsAndIsRewritten) {
  const auto table = table_of({{.name = "files",
                                .prefix = "/api/v1/files",
                                .rewrite = "/files",
                                .upstream = "file-service"},
                               {.name = "content",
                                .prefix = "/api/v1/files/*/content",
                                .rewrite = "/files/*/content",
                                .upstream = "file-service",
                                .access = Access::kPublic}});
  auto match = table.match("/api/v1/files/42/content");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->name, "content");
  EXPECT_EQ(match.upstream_path, "/files/42/content");
  match = table.match("/api/v1/files/42");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->name, "files");
  EXPECT_EQ(match.upstream_path, "/files/42");
  EXPECT_EQ(table.match("/api/v1/files").upstream_path, "/files");
  EXPECT_EQ(table.match("/api/v1/filesx").route, nullptr);
  EXPECT_EQ(table.match("/other").route, nullptr);
}

TEST(RouteTable, RefusesBadRoutesNamingEachProblem) {
  auto table = RouteTable::build(
      {.routes = {{.name = "a", .prefix = "nope", .upstream = "x"},
                  {.name = "a",
                   .prefix = "/b",
                   .methods = {"BREW"},
                   .upstream = "x",
                   .urls = {"http://h"}},
                  {.name = "c", .prefix = "/c", .upstream = "x", .rate_limit = "unknown"}}});
  ASSERT_FALSE(table);
  EXPECT_GE(table.error().field_errors().size(), 5u);
}

TEST(RouteTable, RolesRankAndDefaultByMethod) {
  RouteSpec route{.name = "r", .prefix = "/r", .upstream = "x"};
  EXPECT_EQ(required_role(route, "GET"), kViewer);
  EXPECT_EQ(required_role(route, "POST"), kEditor);
  EXPECT_EQ(required_role(route, "DELETE"), kAdmin);
  route.roles["DELETE"] = "editor";
  EXPECT_EQ(required_role(route, "DELETE"), kEditor);
  EXPECT_TRUE(grants({"admin"}, kEditor));
  EXPECT_TRUE(grants({"editor"}, kViewer));
  EXPECT_FALSE(grants({"viewer"}, kEditor));
  EXPECT_FALSE(grants({}, kViewer));
}

TEST(RouteTable, LocationsAreMappedBackToThePublicPath) {
  const RouteSpec route{.name = "s", .prefix = "/api/v1/subjects", .rewrite = "/subjects"};
  EXPECT_EQ(public_location(route, "/subjects/42"), "/api/v1/subjects/42");
  EXPECT_EQ(public_location(route, "/subjectsx"), "/subjectsx");
  EXPECT_EQ(public_location(route, "https://elsewhere/x"), "https://elsewhere/x");
}

}  // namespace
