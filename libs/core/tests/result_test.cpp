#include "platform/core/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace platform::core {
namespace {

Result<int> half(int value) {
  if (value % 2 != 0) return Error::invalid_argument("value", "must be even");
  return value / 2;
}

TEST(Result, HoldsAValue) {
  auto result = half(4);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 2);
}

TEST(Result, HoldsAnErrorWithFieldErrors) {
  auto result = half(3);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_EQ(result.error().field_errors().size(), 1u);
  EXPECT_EQ(result.error().field_errors()[0], (FieldError{"value", "must be even"}));
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  std::unique_ptr<int> value = std::move(result).value();
  EXPECT_EQ(*value, 7);
}

TEST(ResultVoid, IsOkByDefaultAndCarriesErrors) {
  Result<void> success = ok();
  EXPECT_TRUE(success);
  Result<void> failure = Error::not_found("gone");
  ASSERT_FALSE(failure);
  EXPECT_EQ(failure.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(failure.error().detail(), "gone");
}

TEST(Error, InternalKeepsItsCauseOutOfTheClientDetail) {
  Error error = Error::internal("connection string postgresql://x:y@z is wrong");
  EXPECT_EQ(error.detail(), "an unexpected error occurred");
  EXPECT_NE(error.log_detail().find("postgresql"), std::string::npos);
}

}  // namespace
}  // namespace platform::core
