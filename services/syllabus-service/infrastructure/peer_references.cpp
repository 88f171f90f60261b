#include "infrastructure/peer_references.h"

#include <boost/json.hpp>

namespace syllabus_service::infrastructure {
namespace {

using application::FileView;
using application::Known;
using application::SubjectView;
using platform::core::Error;
using platform::core::Result;

// The owner's failure as ours to report: its problem when it answered, the transport's
// error otherwise; a 503 keeps the owner's Retry-After.
Error failure_of(const platform::resilience::PeerResult& response, const std::string& target) {
  if (!response) return response.error();
  if (auto problem = response->problem()) {
    Error failure = problem->as_dependency_failure();
    if (const auto delay = response->retry_after()) failure.with_retry_after(*delay);
    return failure;
  }
  return Error::internal(response->peer + " answered " + std::to_string(response->status) +
                         " for " + target);
}

template <typename View, typename Parse, typename Store, typename Lookup>
Result<Known<View>> ask_owner(platform::resilience::PeerClient& owner, const std::string& target,
                              const application::CallContext& context, Parse parse, Store store,
                              Lookup lookup, platform::logging::Logger& logger) {
  auto response =
      owner.send({.target = target, .trace = &context.trace, .deadline = context.deadline});
  if (response && response->status == 200) {
    if (auto view = parse(response->body)) {
      // What we fetched once we keep: the next read of it asks nobody.
      if (auto stored = store(*view); !stored) {
        logger.warn(context.trace.log_context(), "could not store a fetched reference",
                    {{"target", target}, {"error", stored.error().detail()}});
      }
      return Known<View>::live(std::move(*view));
    }
    return Error::internal(owner.peer() + " answered " + target + " with an unexpected body");
  }
  if (response && response->status == 404) return Known<View>::deleted();
  Error failure = failure_of(response, target);
  // The owner cannot say: the read model decides when it knows.
  auto known = lookup();
  if (known && known->state != Known<View>::State::kUnknown) return std::move(known).value();
  return failure;
}

}  // namespace

std::optional<SubjectView> subject_view_from_json(std::string_view json) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& object = value.as_object();
  const auto text = [&](const char* key) -> std::string {
    const auto* field = object.if_contains(key);
    return field != nullptr && field->is_string() ? std::string(field->as_string()) : "";
  };
  const auto integer = [&](const char* key) -> std::int64_t {
    const auto* field = object.if_contains(key);
    return field != nullptr && field->is_int64() ? field->as_int64() : 0;
  };
  const auto id = platform::core::Uuid::parse(text("id"));
  if (!id || integer("version") < 1) return std::nullopt;
  return SubjectView{.id = *id,
                     .code = text("code"),
                     .name = text("name"),
                     .credits = integer("credits"),
                     .department = text("department"),
                     .version = integer("version")};
}

std::optional<FileView> file_view_from_json(std::string_view json) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& object = value.as_object();
  const auto text = [&](const char* key) -> std::string {
    const auto* field = object.if_contains(key);
    return field != nullptr && field->is_string() ? std::string(field->as_string()) : "";
  };
  const auto* size = object.if_contains("size");
  const auto id = platform::core::Uuid::parse(text("id"));
  if (!id) return std::nullopt;
  return FileView{.id = *id,
                  .filename = text("filename"),
                  .content_type = text("content_type"),
                  .size = size != nullptr && size->is_int64() ? size->as_int64() : 0,
                  .sha256 = text("sha256")};
}

Result<Known<SubjectView>> PeerReferences::subject(const platform::core::Uuid& id,
                                                   const application::CallContext& context) {
  return ask_owner<SubjectView>(
      subjects_, "/subjects/" + id.to_string(), context, subject_view_from_json,
      [&](const SubjectView& view) { return views_.store_subject(view); },
      [&] { return views_.subject(id); }, logger_);
}

Result<Known<FileView>> PeerReferences::file(const platform::core::Uuid& id,
                                             const application::CallContext& context) {
  return ask_owner<FileView>(
      files_, "/files/" + id.to_string(), context, file_view_from_json,
      [&](const FileView& view) { return views_.store_file(view); },
      [&] { return views_.file(id); }, logger_);
}

}  // namespace syllabus_service::infrastructure
