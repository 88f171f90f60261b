// The admin routes of a service's bulk import from the legacy system (sylmigrate;
// docs/migration.md), the parts every importing service shares:
//   POST /admin/imports/<kind>: a batch of rows, one JSON object per line
//        (application/x-ndjson), each with its "legacy_id"; all lines are checked before
//        anything is written, and a bad one refuses the batch (422 naming "lines[N].field").
//        The answer says per row: created, existing (imported before: nothing written, the
//        same id) or conflict (nothing written, why).
//   GET  /admin/imports/<kind>?after=&limit=: the legacy -> new id mapping, page by page.
// Only an admin may call them when the service has the gateway's identity keys.
//
//   auto rows = parse_import_batch<Row>(request, [](const json::object& line, LineFields& f) {
//     Row row{.legacy_id = f.legacy_id(), .name = f.text("name")};
//     return row;
//   });
//   if (!rows) return Response::problem(rows.error(), request);
//   add_import_routes(router, {.kind = "subjects", .import = ..., .ledger = &database});
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/legacy_import.h"
#include "platform/core/result.h"
#include "platform/core/time.h"
#include "platform/db/database.h"
#include "platform/http/message.h"
#include "platform/http/router.h"

namespace platform::service {

// kPermissionDenied (403) unless the caller is an admin, when `identity_enforced` (the
// service has the gateway's keys, so callers are known); ok otherwise.
core::Result<void> require_admin(const http::Request& request, bool identity_enforced);

// The fields of one line, read with their errors collected (not thrown): each accessor
// returns a value (empty or default when wrong) and notes the problem under the line's
// name, "lines[3].code".
class LineFields {
 public:
  LineFields(const boost::json::object& line, std::size_t number,
             std::vector<core::FieldError>& errors)
      : line_(line), prefix_("lines[" + std::to_string(number) + "]."), errors_(errors) {}

  // "legacy_id": a string of 1-100 printable ASCII characters (or an integer, written as text).
  std::string legacy_id();
  // A required string.
  std::string text(std::string_view name);
  // A string, or "" when absent or null.
  std::string optional_text(std::string_view name);
  // An integer, nullopt when absent or null.
  std::optional<std::int64_t> optional_integer(std::string_view name);
  // A required RFC 3339 time.
  core::Timestamp time(std::string_view name);
  // Notes a problem with the field `name` of this line.
  void fail(std::string_view name, std::string message);

  const boost::json::object& object() const { return line_; }
  // The problems of `errors`, renamed under this line: "code" -> "lines[3].code".
  void add(const std::vector<core::FieldError>& errors);

 private:
  const boost::json::value* find(std::string_view name) const;

  const boost::json::object& line_;
  std::string prefix_;
  std::vector<core::FieldError>& errors_;
};

// The batch of `request` read line by line with `parse_line`: every row, or the error
// (415, 400, 413, or 422 with every field problem of every line).
template <typename Row>
core::Result<std::vector<Row>> parse_import_batch(
    const http::Request& request, const std::function<Row(LineFields&)>& parse_line);

// The answer to an import: counts and the result of every row, in the batch's order.
http::Response import_results_response(const std::vector<core::ImportResult>& results);

// Answers GET /admin/imports/<kind> from the ledger of `database` (?after=, ?limit= 1-1000,
// default 500).
http::Response mapping_response(const http::Request& request, db::Database& database,
                                std::string_view kind);

// The routes of one kind of import.
struct ImportRoutes {
  std::string kind;  // "subjects": POST and GET /admin/imports/subjects
  // Reads the batch of the request and imports it: the results, or the error to answer.
  // Without it, only the mapping is served (a kind imported otherwise: files).
  std::function<core::Result<std::vector<core::ImportResult>>(http::Request&)> import;
  db::Database* ledger = nullptr;  // where the service's import ledger is
  bool identity_enforced = false;  // require_admin's
};

// Adds POST (with `import`) and GET /admin/imports/<kind>.
void add_import_routes(http::Router& router, ImportRoutes routes);

// Implementation detail of parse_import_batch.
core::Result<std::vector<boost::json::object>> read_import_lines(const http::Request& request);

template <typename Row>
core::Result<std::vector<Row>> parse_import_batch(
    const http::Request& request, const std::function<Row(LineFields&)>& parse_line) {
  auto lines = read_import_lines(request);
  if (!lines) return std::move(lines).error();
  std::vector<Row> rows;
  rows.reserve(lines->size());
  std::vector<core::FieldError> errors;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    LineFields fields((*lines)[i], i + 1, errors);
    rows.push_back(parse_line(fields));
  }
  if (!errors.empty()) return core::Error::invalid_fields(std::move(errors));
  return rows;
}

}  // namespace platform::service
