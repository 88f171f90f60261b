#include "platform/http/json_body.h"

#include <boost/json/parser.hpp>
#include <string>

#include "platform/core/strings.h"

namespace platform::http {

namespace {

core::Error unsupported_media_type(const Request& request,
                                   std::initializer_list<std::string_view> media_types) {
  std::string accepted = "application/json";
  for (const auto type : media_types) accepted += ", " + std::string(type);
  const auto given = request.headers.find("Content-Type");
  std::string detail = given ? "Content-Type '" + std::string(*given) + "' is not supported"
                             : std::string("Content-Type is missing");
  return core::Error(core::ErrorCode::kUnsupportedMediaType,
                     detail + "; expected one of: " + accepted);
}

// One JSON value from `text`, named `what` in the errors ("request body", "line 3").
core::Result<boost::json::value> parse_json_text(std::string_view text, const std::string& what) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  // Boost.JSON's parser keeps its own stack rather than recursing, so a body nested
  // 100,000 deep stops cleanly at max_depth instead of overflowing ours.
  boost::json::parser parser({}, options);
  boost::system::error_code ec;
  // write_some() parses one complete value and stops there, so unparsed bytes after it
  // are trailing garbage.
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (ec == boost::json::error::too_deep) {
    return core::Error::malformed(what + " is nested too deeply (more than " +
                                  std::to_string(kMaxJsonDepth) + " levels)");
  }
  if (ec) {
    return core::Error::malformed(what + " is not valid JSON: " + ec.message() + " at offset " +
                                  std::to_string(consumed));
  }
  if (consumed < text.size()) {
    return core::Error::malformed(what +
                                  " is not valid JSON: unexpected data after the value at offset " +
                                  std::to_string(consumed));
  }
  return parser.release();
}

}  // namespace

bool has_media_type(const Request& request, std::string_view media_type) {
  const auto content_type = request.headers.find("Content-Type");
  if (!content_type) return false;
  const std::string_view type = content_type->substr(0, content_type->find(';'));
  return core::iequals(core::trim(type), media_type);
}

core::Result<boost::json::value> parse_json_body(
    const Request& request, std::initializer_list<std::string_view> media_types) {
  // A missing body is the first thing to tell: a client that sent none often sent no
  // Content-Type either, and "unsupported media type" would send it looking elsewhere.
  if (core::trim(request.body).empty()) {
    return core::Error::malformed("request body is empty; a JSON value is required");
  }
  bool accepted = has_media_type(request, "application/json");
  for (const auto type : media_types) accepted = accepted || has_media_type(request, type);
  if (!accepted) return unsupported_media_type(request, media_types);
  // Checked up front (Boost.JSON would reject it too, as a generic syntax error) so that
  // the client learns what is actually wrong.
  if (!core::is_valid_utf8(request.body)) {
    return core::Error::malformed("request body is not valid UTF-8");
  }

  return parse_json_text(request.body, "request body");
}

core::Result<boost::json::object> parse_json_object(
    const Request& request, std::initializer_list<std::string_view> media_types) {
  auto value = parse_json_body(request, media_types);
  if (!value) return std::move(value).error();
  if (!value->is_object()) {
    return core::Error::malformed("request body must be a JSON object");
  }
  return std::move(value->as_object());
}

core::Result<std::vector<boost::json::object>> parse_ndjson_objects(const Request& request,
                                                                    std::size_t max_lines) {
  if (!has_media_type(request, kNdjsonMediaType)) {
    const auto given = request.headers.find("Content-Type");
    return core::Error(core::ErrorCode::kUnsupportedMediaType,
                       (given ? "Content-Type '" + std::string(*given) + "' is not supported"
                              : std::string("Content-Type is missing")) +
                           "; expected " + std::string(kNdjsonMediaType));
  }
  if (!core::is_valid_utf8(request.body)) {
    return core::Error::malformed("request body is not valid UTF-8");
  }
  std::vector<boost::json::object> objects;
  std::string_view rest = request.body;
  std::size_t line_number = 0;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string_view line = core::trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    ++line_number;
    if (line.empty()) continue;
    if (objects.size() == max_lines) {
      return core::Error(core::ErrorCode::kTooLarge,
                         "a batch holds at most " + std::to_string(max_lines) + " lines");
    }
    const std::string what = "line " + std::to_string(line_number);
    auto value = parse_json_text(line, what);
    if (!value) return std::move(value).error();
    if (!value->is_object()) return core::Error::malformed(what + " must be a JSON object");
    objects.push_back(std::move(value->as_object()));
  }
  if (objects.empty()) {
    return core::Error::malformed("request body holds no lines; one JSON object per line");
  }
  return objects;
}

}  // namespace platform::http
