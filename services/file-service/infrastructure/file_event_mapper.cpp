#include "infrastructure/file_event_mapper.h"

#include <boost/json.hpp>

namespace file_service::infrastructure {
namespace {

// The fields both events carry. Kept apart from the API's representation on purpose:
// the two are different contracts and may evolve separately.
boost::json::object describe(const domain::FileMetadata& file) {
  return {{"id", file.id.to_string()},
          {"filename", file.filename},
          {"content_type", file.content_type},
          {"size", file.size},
          {"sha256", file.sha256}};
}

struct Mapped {
  std::string type;
  const domain::FileMetadata* file;
  boost::json::object data;
};

Mapped map(const domain::FileEvent& event) {
  if (const auto* uploaded = std::get_if<domain::FileUploaded>(&event)) {
    boost::json::object data = describe(uploaded->file);
    data["uploaded_by"] = uploaded->file.uploaded_by;
    data["created_at"] = platform::core::format_rfc3339(uploaded->file.created_at);
    return {"file.uploaded.v1", &uploaded->file, std::move(data)};
  }
  const auto& deleted = std::get<domain::FileDeleted>(event);
  boost::json::object data = describe(deleted.file);
  data["deleted_by"] = deleted.deleted_by;
  data["deleted_at"] = platform::core::format_rfc3339(deleted.deleted_at);
  return {"file.deleted.v1", &deleted.file, std::move(data)};
}

}  // namespace

platform::events::Event to_event(const application::Change& change) {
  Mapped mapped = map(change.event);
  return platform::events::make_event(kEventSource, mapped.type, mapped.file->id.to_string(),
                                      boost::json::serialize(mapped.data),
                                      {change.origin.traceparent, change.origin.correlation_id});
}

}  // namespace file_service::infrastructure
