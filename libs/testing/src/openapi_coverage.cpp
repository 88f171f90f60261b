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
