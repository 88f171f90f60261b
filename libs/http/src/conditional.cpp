#include "platform/http/conditional.h"

#include "platform/core/strings.h"

namespace platform::http {

std::string entity_tag(std::int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

core::Result<std::optional<std::int64_t>> if_match_version(const Request& request) {
  const auto header = request.headers.find("If-Match");
  if (!header) return std::optional<std::int64_t>();
  std::string_view value = core::trim(*header);
  if (value == "*") return std::optional<std::int64_t>();
  if (value.starts_with("W/")) return std::optional<std::int64_t>(-1);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  const auto version = core::parse_integer<std::int64_t>(value);
  if (!version) return core::Error::malformed("If-Match must be an entity tag such as \"3\"");
  return std::optional<std::int64_t>(*version);
}

std::optional<Response> not_modified(const Request& request, std::int64_t version) {
  const auto header = request.headers.find("If-None-Match");
  if (!header || core::trim(*header) != entity_tag(version)) return std::nullopt;
  Response response;
  response.status = 304;
  response.headers.set("ETag", entity_tag(version));
  return response;
}

}  // namespace platform::http
