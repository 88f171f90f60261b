// Error values with a small canonical code set.
//
// Every failure that crosses a layer is an `Error`: a code saying what kind of
// failure it is (and so which HTTP status it becomes, see problem.h), a detail
// that is safe to show the client, an optional internal detail for the log only,
// and, for validation failures, every bad field at once.
//
//   if (name.empty()) return Error::invalid_argument("name", "must not be empty");
//   return Error::not_found("subject " + id + " does not exist");
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace platform::core {

enum class ErrorCode {
  // The request cannot be parsed at all: malformed JSON, invalid UTF-8, too deep,
  // an unparsable query parameter. HTTP 400.
  kMalformed,
  // The request parses but one or more fields break a rule. Carries field errors. 422.
  kInvalidArgument,
  // No valid credentials. 401.
  kUnauthenticated,
  // Valid credentials, but the caller may not do this. 403.
  kPermissionDenied,
  // The addressed resource does not exist (or no longer). 404.
  kNotFound,
  // Creating something that exists already (a unique key is taken). 409.
  kAlreadyExists,
  // The resource's state forbids the operation (e.g. publishing an archived syllabus). 409.
  kFailedPrecondition,
  // A conditional request (If-Match) names a version that is not the current one. 412.
  kVersionMismatch,
  // The request body or upload exceeds a limit. 413.
  kTooLarge,
  // The request body's media type is not one the route accepts. 415.
  kUnsupportedMediaType,
  // The caller exceeded a quota or rate limit. 429.
  kResourceExhausted,
  // A dependency (database, broker, peer service) is down or overloaded; retry later. 503.
  kUnavailable,
  // A dependency did not answer in time. 504.
  kDeadlineExceeded,
  // A bug or an unexpected failure; the detail never reaches the client. 500.
  kInternal,
};

// The stable lower-case name of a code, e.g. "not_found"; used in problem types and logs.
std::string_view to_string(ErrorCode code);

struct FieldError {
  std::string field;    // JSON pointer-ish path of the field: "code", "learning_outcomes[2]"
  std::string message;  // what is wrong, for the client: "must be 2 to 20 characters"

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

class Error {
 public:
  Error(ErrorCode code, std::string detail, std::string log_detail = {})
      : code_(code), detail_(std::move(detail)), log_detail_(std::move(log_detail)) {}

  static Error malformed(std::string detail) { return {ErrorCode::kMalformed, std::move(detail)}; }
  static Error invalid_argument(std::string field, std::string message);
  static Error invalid_fields(std::vector<FieldError> errors);
  static Error not_found(std::string detail) { return {ErrorCode::kNotFound, std::move(detail)}; }
  static Error already_exists(std::string detail) {
    return {ErrorCode::kAlreadyExists, std::move(detail)};
  }
  static Error failed_precondition(std::string detail) {
    return {ErrorCode::kFailedPrecondition, std::move(detail)};
  }
  static Error version_mismatch(std::string detail) {
    return {ErrorCode::kVersionMismatch, std::move(detail)};
  }
  static Error unavailable(std::string detail, std::string log_detail = {}) {
    return {ErrorCode::kUnavailable, std::move(detail), std::move(log_detail)};
  }
  // The client sees a generic sentence; `log_detail` is what went wrong.
  static Error internal(std::string log_detail) {
    return {ErrorCode::kInternal, "an unexpected error occurred", std::move(log_detail)};
  }

  ErrorCode code() const { return code_; }
  const std::string& detail() const { return detail_; }
  const std::string& log_detail() const { return log_detail_; }
  const std::vector<FieldError>& field_errors() const { return field_errors_; }
  // When to try again (the Retry-After of a 503 or 429): a circuit breaker's remaining
  // open time, a peer's own Retry-After. Unset: the HTTP mapping says 1 s for both.
  const std::optional<std::chrono::seconds>& retry_after() const { return retry_after_; }
  // A call that failed before any byte of its request left (no connection could be made):
  // sending it again, to another instance, is harmless whatever its method.
  bool never_sent() const { return never_sent_; }
  // A call that failed because its own request body could not be read (the caller's
  // upload was malformed, too slow, or its sender went away): the error is the body's, and
  // it is the caller's fault, not the peer's, so it counts against no peer.
  bool request_body_failed() const { return request_body_failed_; }

  Error& with_field_errors(std::vector<FieldError> errors) {
    field_errors_ = std::move(errors);
    return *this;
  }
  Error& with_retry_after(std::chrono::seconds delay) {
    retry_after_ = delay;
    return *this;
  }
  Error& with_never_sent() {
    never_sent_ = true;
    return *this;
  }
  Error& with_request_body_failed() {
    request_body_failed_ = true;
    return *this;
  }

 private:
  ErrorCode code_;
  std::string detail_;
  std::string log_detail_;
  std::vector<FieldError> field_errors_;
  std::optional<std::chrono::seconds> retry_after_;
  bool never_sent_ = false;
  bool request_body_failed_ = false;
};

}  // namespace platform::core
