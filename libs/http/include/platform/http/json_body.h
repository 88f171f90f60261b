// Reading JSON request bodies the same way on every route.
//
//   auto body = parse_json_object(request);   // 415, 400 as errors
//   if (!body) return Response::problem(body.error(), request);
//
// 415 (kUnsupportedMediaType) unless Content-Type is application/json or one of
// `media_types`; 400 (kMalformed) for invalid JSON, invalid UTF-8, nesting deeper
// than kMaxJsonDepth, or (parse_json_object) a top-level value that is not an object.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "platform/core/result.h"
#include "platform/http/message.h"

namespace platform::http {

inline constexpr int kMaxJsonDepth = 32;

core::Result<boost::json::value> parse_json_body(
    const Request& request, std::initializer_list<std::string_view> media_types = {});
core::Result<boost::json::object> parse_json_object(
    const Request& request, std::initializer_list<std::string_view> media_types = {});

inline constexpr std::string_view kNdjsonMediaType = "application/x-ndjson";

// A body of newline-delimited JSON objects (application/x-ndjson; blank lines skipped), the
// batches of bulk imports. 415 for another Content-Type; 400 naming the line of one that
// is not a JSON object; 413 (kTooLarge) over `max_lines` objects; 400 when there is none.
core::Result<std::vector<boost::json::object>> parse_ndjson_objects(const Request& request,
                                                                    std::size_t max_lines);

// True when the Content-Type's media type (parameters ignored) equals `media_type`.
bool has_media_type(const Request& request, std::string_view media_type);

}  // namespace platform::http
