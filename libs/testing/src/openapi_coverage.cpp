#include "platform/testing/openapi_coverage.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "platform/core/strings.h"

namespace platform::testing {
namespace {

class CoverageCheck : public ::testing::Environment {
 public:
  explicit CoverageCheck(const OpenApiCoverage& coverage) : coverage_(coverage) {}
  void TearDown() override { coverage_.verify(); }

 private:
  const OpenApiCoverage& coverage_;
};

}  // namespace

OpenApiCoverage& OpenApiCoverage::install(std::string document, RouteOf route_of) {
  // Lives as long as the program: the environment reads it at the very end.
  auto* coverage = new OpenApiCoverage(std::move(document), std::move(route_of));
  ::testing::AddGlobalTestEnvironment(new CoverageCheck(*coverage));
  return *coverage;
}

void expect_documents_every_route(const http::Router& router, const std::string& text) {
  const boost::json::value root = boost::json::parse(text);
  const auto& document = root.as_object();
  EXPECT_TRUE(document.at("openapi").as_string().starts_with("3."));
  const auto& paths = document.at("paths").as_object();
  // HEAD is answered by a path's GET route (Router): documented, it needs the GET.
  std::size_t documented = 0;
  for (const auto& [path, item] : paths) {
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters") continue;
      if (method == "head") {
        EXPECT_TRUE(item.as_object().contains("get")) << "HEAD " << path << " has no GET";
        continue;
      }
      ++documented;
    }
  }
  for (const auto& route : router.routes()) {
    const auto* item = paths.if_contains(route.pattern);
    if (item == nullptr) {
      ADD_FAILURE() << route.pattern << " is not documented";
      continue;
    }
    EXPECT_TRUE(item->as_object().contains(core::ascii_lower(route.method)))
        << route.method << " " << route.pattern << " is not documented";
  }
  EXPECT_EQ(documented, router.routes().size()) << "a documented operation is not served";
  for (std::size_t at = text.find("\"$ref\": \"#/"); at != std::string::npos;
       at = text.find("\"$ref\": \"#/", at + 1)) {
    const auto start = at + 11;
    const std::string pointer = text.substr(start, text.find('"', start) - start);
    boost::system::error_code error;
    EXPECT_NE(root.find_pointer("/" + pointer, error), nullptr) << pointer;
  }
}

void OpenApiCoverage::record(const std::string& method, const std::string& target, int status) {
  std::lock_guard lock(mutex_);
  answers_.emplace(method, route_of_(target), status);
}

void OpenApiCoverage::verify() const {
  const auto document = boost::json::parse(document_).as_object();
  const auto& paths = document.at("paths").as_object();
  std::lock_guard lock(mutex_);
  for (const auto& [method, route, status] : answers_) {
    const auto* path = paths.if_contains(route);
    if (!path) continue;
    const auto* operation = path->as_object().if_contains(core::ascii_lower(method));
    if (status == 405 && !operation) continue;
    ASSERT_NE(operation, nullptr) << method << " " << route << " is not documented";
    EXPECT_TRUE(operation->as_object().at("responses").as_object().contains(std::to_string(status)))
        << method << " " << route << " answered " << status << ", which openapi.json does not list";
  }
}

}  // namespace platform::testing
