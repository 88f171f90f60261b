#include "api/import_api.h"

#include <boost/json.hpp>
#include <memory>

#include "domain/filename.h"
#include "platform/core/strings.h"
#include "platform/service/legacy_imports.h"

namespace file_service::api {
namespace {

using platform::core::Error;
using platform::core::FieldError;
using platform::core::Result;
using platform::http::Request;
using platform::http::Response;

// The legacy file's name, uploader and time from the query: every problem at once.
Result<application::ImportFileCommand> command_of(const Request& request) {
  application::ImportFileCommand command;
  std::vector<FieldError> errors;
  command.legacy_id = std::string(request.path_param("legacy_id"));
  if (!platform::core::is_legacy_id(command.legacy_id))
    errors.push_back({"legacy_id", "must be 1 to 100 printable characters without spaces"});
  if (const auto given = request.query_param("filename"); !given) {
    errors.push_back({"filename", "is required"});
  } else if (auto name = domain::sanitise_filename(*given); !name) {
    for (const auto& error : name.error().field_errors()) errors.push_back(error);
    if (name.error().field_errors().empty())
      errors.push_back({"filename", std::string(name.error().detail())});
  } else {
    command.filename = std::move(*name);
  }
  command.uploaded_by = request.query_param("uploaded_by").value_or("");
  if (!is_user_name(command.uploaded_by))
    errors.push_back({"uploaded_by", "must be 1 to 200 printable characters"});
  const auto created =
      platform::core::parse_rfc3339(request.query_param("created_at").value_or(""));
  if (!created) {
    errors.push_back({"created_at", "must be an RFC 3339 time such as 2024-11-19T09:06:40Z"});
  } else {
    command.created_at = *created;
  }
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  command.origin = {request.trace.traceparent(), request.trace.request_id};
  return command;
}

Response imported_response(const application::ImportedFile& imported,
                           const std::string& legacy_id) {
  boost::json::object body = file_json(imported.file);
  body["legacy_id"] = legacy_id;
  body["outcome"] = platform::core::to_string(imported.outcome);
  const bool created = imported.outcome == platform::core::ImportOutcome::kCreated;
  return Response::json(created ? 201 : 200, boost::json::serialize(body))
      .with_header("Location", "/files/" + imported.file.id.to_string())
      .with_header("ETag", "\"" + imported.file.sha256 + "\"");
}

}  // namespace

void add_import_routes(platform::http::Router& router, application::ImportFileHandler& handler,
                       application::OpenContentHandler& content, UploadOptions options,
                       platform::db::Database* ledger, bool identity_enforced) {
  auto upload_options = std::make_shared<const UploadOptions>(std::move(options));
  router.put_streamed("/admin/imports/files/{legacy_id}", [&handler, upload_options,
                                                           identity_enforced](Request& request) {
    if (auto allowed = platform::service::require_admin(request, identity_enforced); !allowed)
      return Response::body_read_failure(allowed.error(), request);
    auto command = command_of(request);
    if (!command) return Response::body_read_failure(command.error(), request);
    // Imported before: answered without reading the bytes again.
    auto known = handler.imported(command->legacy_id);
    if (!known) return Response::body_read_failure(known.error(), request);
    if (*known) {
      return imported_response({platform::core::ImportOutcome::kExisting, std::move(**known)},
                               command->legacy_id);
    }
    auto upload = spool_body(request, *upload_options);
    if (!upload) return Response::body_read_failure(upload.error(), request);
    auto imported = handler.handle(*command, std::move(*upload));
    if (!imported) return Response::body_read_failure(imported.error(), request);
    return imported_response(*imported, command->legacy_id);
  });
  router.get("/admin/imports/files/{legacy_id}/content", [&handler, &content,
                                                          identity_enforced](Request& request) {
    if (auto allowed = platform::service::require_admin(request, identity_enforced); !allowed)
      return Response::problem(allowed.error(), request);
    const std::string legacy_id(request.path_param("legacy_id"));
    auto known = handler.imported(legacy_id);
    if (!known) return Response::problem(known.error(), request);
    if (!*known) {
      return Response::problem(Error::not_found("no file was imported as legacy file " + legacy_id),
                               request);
    }
    return stored_content(**known, content, request);
  });
  platform::service::add_import_routes(
      router, {.kind = "files", .ledger = ledger, .identity_enforced = identity_enforced});
}

}  // namespace file_service::api
