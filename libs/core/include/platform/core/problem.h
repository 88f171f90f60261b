// The one place where error codes become HTTP: status numbers and RFC 9457
// `application/problem+json` bodies.
//
//   int status = http_status(error.code());               // 404
//   std::string body = problem_json(error, "/subjects/42");
#pragma once

#include <string>
#include <string_view>

#include "platform/core/error.h"

namespace platform::core {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

int http_status(ErrorCode code);

// The reason phrase of an HTTP status ("Not Found"); "Unknown" for unlisted numbers.
std::string_view status_title(int status);

// A problem document for `error`: type, title, status, detail, instance, and
// `errors: [{field, message}]` when the error has field errors.
std::string problem_json(const Error& error, std::string_view instance);

// A problem document for a transport-level status that has no ErrorCode
// (405, 408, 414, 431, ...).
std::string problem_json(int status, std::string_view detail, std::string_view instance);

}  // namespace platform::core
