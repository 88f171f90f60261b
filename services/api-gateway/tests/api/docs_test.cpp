// The merged API document (docs.h).
#include "api/docs.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

TEST(Docs, PathsMoveUnderTheirPublicPrefixWithTheirSchemas) {
  const std::string subjects = R"({"openapi":"3.0.3","paths":{"/subjects":{"get":{}},
    "/subjects/{id}":{"get":{}},"/health/live":{"get":{}}},
    "components":{"schemas":{"Subject":{"type":"object"}}}})";
  const auto merged = boost::json::parse(
      api_gateway::api::merge_openapi("", subjects, "/subjects", "/api/v1/subjects"));
  const auto& paths = merged.at("paths").as_object();
  EXPECT_TRUE(paths.contains("/api/v1/subjects"));
  EXPECT_TRUE(paths.contains("/api/v1/subjects/{id}"));
  EXPECT_FALSE(paths.contains("/health/live"));
  EXPECT_TRUE(merged.at("components").at("schemas").as_object().contains("Subject"));
  EXPECT_TRUE(merged.at("components").at("securitySchemes").as_object().contains("bearerAuth"));
}

}  // namespace
