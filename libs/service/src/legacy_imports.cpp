#include "platform/service/legacy_imports.h"

#include <boost/json.hpp>
#include <memory>

#include "platform/core/strings.h"
#include "platform/db/import_ledger.h"
#include "platform/http/json_body.h"

namespace platform::service {

using core::Error;
using core::ErrorCode;
using core::Result;

namespace {

constexpr std::size_t kMappingPageDefault = 500;
constexpr std::size_t kMappingPageMax = 1000;

}  // namespace

Result<void> require_admin(const http::Request& request, bool identity_enforced) {
  if (!identity_enforced || request.caller.has_role("admin")) return core::ok();
  return Error(ErrorCode::kPermissionDenied, "importing from the legacy system is for admins");
}

const boost::json::value* LineFields::find(std::string_view name) const {
  const auto* value = line_.if_contains(name);
  if (value == nullptr || value->is_null()) return nullptr;
  return value;
}

void LineFields::fail(std::string_view name, std::string message) {
  errors_.push_back({prefix_ + std::string(name), std::move(message)});
}

void LineFields::add(const std::vector<core::FieldError>& errors) {
  for (const auto& error : errors) errors_.push_back({prefix_ + error.field, error.message});
}

std::string LineFields::legacy_id() {
  const auto* value = find("legacy_id");
  std::string id;
  if (value != nullptr && value->is_string()) id = std::string(value->get_string());
  if (value != nullptr && value->is_int64()) id = std::to_string(value->get_int64());
  if (!core::is_legacy_id(id)) {
    fail("legacy_id", "must be 1 to " + std::to_string(core::kLegacyIdMaxLength) +
                          " printable characters without spaces");
  }
  return id;
}

std::string LineFields::text(std::string_view name) {
  const auto* value = find(name);
  if (value == nullptr || !value->is_string()) {
    fail(name, "must be a string");
    return {};
  }
  return std::string(value->get_string());
}

std::string LineFields::optional_text(std::string_view name) {
  const auto* value = find(name);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    fail(name, "must be a string or null");
    return {};
  }
  return std::string(value->get_string());
}

std::optional<std::int64_t> LineFields::optional_integer(std::string_view name) {
  const auto* value = find(name);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(value->get_uint64());
  fail(name, "must be an integer or null");
  return std::nullopt;
}

core::Timestamp LineFields::time(std::string_view name) {
  const auto* value = find(name);
  std::optional<core::Timestamp> parsed;
  if (value != nullptr && value->is_string()) parsed = core::parse_rfc3339(value->get_string());
  if (!parsed) {
    fail(name, "must be an RFC 3339 time such as 2024-11-19T09:06:40Z");
    return {};
  }
  return *parsed;
}

Result<std::vector<boost::json::object>> read_import_lines(const http::Request& request) {
  return http::parse_ndjson_objects(request, core::kImportBatchMax);
}

http::Response import_results_response(const std::vector<core::ImportResult>& results) {
  std::size_t created = 0;
  std::size_t existing = 0;
  std::size_t conflicts = 0;
  boost::json::array items;
  items.reserve(results.size());
  for (const auto& result : results) {
    boost::json::object item{{"legacy_id", result.legacy_id},
                             {"outcome", core::to_string(result.outcome)}};
    switch (result.outcome) {
      case core::ImportOutcome::kCreated:
        ++created;
        item["id"] = result.id;
        break;
      case core::ImportOutcome::kExisting:
        ++existing;
        item["id"] = result.id;
        break;
      case core::ImportOutcome::kConflict:
        ++conflicts;
        item["detail"] = result.detail;
        break;
    }
    items.push_back(std::move(item));
  }
  boost::json::object body{{"created", created},
                           {"existing", existing},
                           {"conflicts", conflicts},
                           {"results", std::move(items)}};
  return http::Response::json(200, boost::json::serialize(body));
}

http::Response mapping_response(const http::Request& request, db::Database& database,
                                std::string_view kind) {
  std::size_t limit = kMappingPageDefault;
  if (const auto text = request.query_param("limit")) {
    const auto parsed = core::parse_integer<std::size_t>(*text);
    if (!parsed || *parsed < 1 || *parsed > kMappingPageMax) {
      return http::Response::problem(
          Error::invalid_argument("limit", "must be 1 to " + std::to_string(kMappingPageMax)),
          request);
    }
    limit = *parsed;
  }
  auto page = db::imported_page(database, kind, request.query_param("after"), limit);
  if (!page) return http::Response::problem(page.error(), request);
  boost::json::array items;
  items.reserve(page->items.size());
  for (const auto& mapping : page->items) {
    items.push_back({{"legacy_id", mapping.legacy_id}, {"id", mapping.id}});
  }
  boost::json::object body{{"items", std::move(items)}};
  body["next"] = page->next ? boost::json::value(*page->next) : boost::json::value(nullptr);
  return http::Response::json(200, boost::json::serialize(body));
}

void add_import_routes(http::Router& router, ImportRoutes routes) {
  auto shared = std::make_shared<const ImportRoutes>(std::move(routes));
  const std::string path = "/admin/imports/" + shared->kind;
  if (shared->import) {
    router.post(path, [shared](http::Request& request) {
      if (auto allowed = require_admin(request, shared->identity_enforced); !allowed)
        return http::Response::problem(allowed.error(), request);
      auto results = shared->import(request);
      if (!results) return http::Response::problem(results.error(), request);
      return import_results_response(*results);
    });
  }
  router.get(path, [shared](http::Request& request) {
    if (auto allowed = require_admin(request, shared->identity_enforced); !allowed)
      return http::Response::problem(allowed.error(), request);
    return mapping_response(request, *shared->ledger, shared->kind);
  });
}

}  // namespace platform::service
