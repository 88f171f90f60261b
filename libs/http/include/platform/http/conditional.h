// Conditional requests on resources versioned by a counter (RFC 9110 §13): the ETag is
// the version in quotes, If-Match makes a write conditional, If-None-Match a read.
//
//   auto expected = if_match_version(request);      // 400 for a malformed header
//   if (!expected) return Response::problem(expected.error(), request);
//   ... handler.update({.expected_version = *expected, ...});
//   if (auto unchanged = not_modified(request, resource.version)) return *unchanged;
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "platform/core/result.h"
#include "platform/http/message.h"

namespace platform::http {

// "\"3\"" for version 3.
std::string entity_tag(std::int64_t version);

// If-Match: absent or "*" -> no condition; "3" (or 3) -> version 3; a weak tag (never
// equal under the strong comparison If-Match uses) -> an impossible version, so 412;
// anything else -> kMalformed.
core::Result<std::optional<std::int64_t>> if_match_version(const Request& request);

// 304 with the ETag when If-None-Match names `version`; nullopt otherwise.
std::optional<Response> not_modified(const Request& request, std::int64_t version);

}  // namespace platform::http
