#include "domain/instance.h"

#include "platform/core/strings.h"
#include "platform/core/url.h"

namespace config_service::domain {
namespace {

using platform::core::FieldError;

bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

void check_name(const std::string& value, const char* field, std::vector<FieldError>& errors) {
  bool characters_ok = !value.empty() && value.size() <= kMaxNameLength;
  for (char c : value) characters_ok = characters_ok && is_name_character(c);
  if (!characters_ok)
    errors.push_back({field, "must be 1 to 100 characters of A-Z, a-z, 0-9, '-', '_' and '.'"});
}

void check_text(const std::string& value, const char* field, std::size_t max,
                std::vector<FieldError>& errors) {
  if (!platform::core::is_valid_utf8(value) || value.size() > max)
    errors.push_back({field, "must be valid UTF-8 of at most " + std::to_string(max) + " bytes"});
}

// An advertised URL: http(s), a host, and not an address that only a server can bind to.
bool is_reachable_url(const std::string& text) {
  if (text.size() > kMaxUrlLength) return false;
  auto url = platform::core::parse_url(text);
  return url && (url->scheme == "http" || url->scheme == "https") && !url->host.empty() &&
         !platform::core::is_unspecified_address(url->host);
}

}  // namespace

std::vector<FieldError> validate(const Registration& registration) {
  std::vector<FieldError> errors;
  check_name(registration.service, "service", errors);
  check_name(registration.instance_id, "instance_id", errors);
  if (!is_reachable_url(registration.url))
    errors.push_back({"url",
                      "must be an http:// or https:// URL of at most 2000 bytes whose host peers "
                      "can reach (never 0.0.0.0 or ::)"});
  check_text(registration.version, "version", kMaxNameLength, errors);
  if (registration.colour != "" && registration.colour != "blue" && registration.colour != "green")
    errors.push_back({"colour", "must be \"blue\", \"green\" or \"\""});
  check_text(registration.zone, "zone", kMaxNameLength, errors);
  if (registration.metadata.size() > kMaxMetadataEntries) {
    errors.push_back({"metadata", "must hold at most 50 entries"});
  } else {
    for (const auto& [key, value] : registration.metadata) {
      if (key.empty() || !platform::core::is_valid_utf8(key) || key.size() > kMaxNameLength ||
          !platform::core::is_valid_utf8(value) || value.size() > kMaxUrlLength) {
        errors.push_back({"metadata." + key,
                          "must be a non-empty key of at most 100 bytes with "
                          "a value of at most 2000 bytes"});
      }
    }
  }
  if (registration.ttl_seconds < kMinTtlSeconds || registration.ttl_seconds > kMaxTtlSeconds)
    errors.push_back({"ttl_seconds", "must be an integer from 1 to 300"});
  return errors;
}

platform::core::Timestamp lease_end(platform::core::Timestamp now, std::int64_t ttl_seconds) {
  return now + std::chrono::seconds(ttl_seconds);
}

std::vector<FieldError> validate(const std::string& service, const TrafficSplit& split) {
  std::vector<FieldError> errors;
  check_name(service, "service", errors);
  if (split.blue < 0 || split.blue > 100) errors.push_back({"blue", "must be from 0 to 100"});
  if (split.green < 0 || split.green > 100) errors.push_back({"green", "must be from 0 to 100"});
  if (errors.empty() && split.blue + split.green != 100)
    errors.push_back({"green", "blue and green must add up to 100"});
  return errors;
}

Instance new_instance(const Registration& registration, platform::core::Timestamp now) {
  return Instance{registration.service,
                  registration.instance_id,
                  registration.url,
                  registration.version,
                  registration.colour,
                  registration.zone,
                  registration.metadata,
                  registration.ttl_seconds,
                  now,
                  lease_end(now, registration.ttl_seconds)};
}

bool is_lapsed(const Instance& instance, platform::core::Timestamp now) {
  return now >= instance.lease_expires_at;
}

Instance renew(const Instance& instance, platform::core::Timestamp now) {
  Instance renewed = instance;
  renewed.lease_expires_at = lease_end(now, instance.ttl_seconds);
  return renewed;
}

}  // namespace config_service::domain
