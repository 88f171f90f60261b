#include "infrastructure/reference_events.h"

#include <boost/json.hpp>

#include "infrastructure/peer_references.h"
#include "infrastructure/sql_reference_views.h"

namespace syllabus_service::infrastructure {
namespace {

using platform::core::Error;
using platform::core::Result;
using platform::core::Uuid;
using platform::db::Session;
using platform::events::Event;

Result<boost::json::object> data_of(const Event& event) {
  boost::system::error_code ec;
  auto value = boost::json::parse(event.data, ec);
  if (ec || !value.is_object()) return Error::invalid_argument("data", "is not a JSON object");
  return std::move(value.as_object());
}

Result<void> record(Session& session, const std::string& stream, const Event& event) {
  return SqlReferenceViews::record_progress(
      session, {.stream = stream,
                .last_event_id = event.id,
                .last_event_type = event.type,
                .last_event_time = platform::core::format_rfc3339(event.time),
                .applied_at = platform::core::format_rfc3339(platform::core::now_utc())});
}

// subject.created and subject.updated carry the whole subject.
Result<void> on_subject(SqlReferenceViews& views, const Event& event, Session& session) {
  auto data = data_of(event);
  if (!data) return std::move(data).error();
  const auto* subject = data->if_contains("subject");
  if (subject == nullptr) return Error::invalid_argument("data.subject", "is missing");
  auto view = subject_view_from_json(boost::json::serialize(*subject));
  if (!view) return Error::invalid_argument("data.subject", "is not a subject");
  if (auto applied = views.apply_subject(session, *view); !applied) {
    return std::move(applied).error();
  }
  return record(session, kSubjectStream, event);
}

std::optional<Uuid> id_of(const boost::json::object& data) {
  const auto* id = data.if_contains("id");
  if (id == nullptr || !id->is_string()) return std::nullopt;
  return Uuid::parse(id->as_string());
}

}  // namespace

void subscribe_to_references(platform::events::Subscriptions& subscriptions,
                             SqlReferenceViews& views, ReferenceEffects& effects) {
  const auto subject_changed = [&views](const Event& event, Session& session) {
    return on_subject(views, event, session);
  };
  subscriptions.subscribe(kSubjectStream)
      .on("subject.created", 1, subject_changed)
      .on("subject.updated", 1, subject_changed)
      .on("subject.deleted", 1,
          [&views, &effects](const Event& event, Session& session) -> Result<void> {
            auto data = data_of(event);
            if (!data) return std::move(data).error();
            const auto id = id_of(*data);
            const auto* version = data->if_contains("version");
            if (!id || version == nullptr || !version->is_int64()) {
              return Error::invalid_argument("data", "needs the subject's id and version");
            }
            // The event carries the last version, the one deleted: the tombstone is one
            // above it, so that it wins over an update of that same version.
            auto applied = views.apply_subject_deleted(session, *id, version->as_int64() + 1);
            if (!applied) return std::move(applied).error();
            if (*applied) {
              if (auto done = effects.subject_deleted(session, *id, event.time); !done) return done;
            }
            return record(session, kSubjectStream, event);
          });
  subscriptions.subscribe(kFileStream)
      .on("file.uploaded", 1,
          [&views](const Event& event, Session& session) -> Result<void> {
            auto view = file_view_from_json(event.data);
            if (!view) return Error::invalid_argument("data", "is not a file");
            if (auto applied = views.apply_file(session, *view); !applied) {
              return std::move(applied).error();
            }
            return record(session, kFileStream, event);
          })
      .on("file.deleted", 1,
          [&views, &effects](const Event& event, Session& session) -> Result<void> {
            auto data = data_of(event);
            if (!data) return std::move(data).error();
            const auto id = id_of(*data);
            if (!id) return Error::invalid_argument("data.id", "is not a file id");
            auto applied = views.apply_file_deleted(session, *id);
            if (!applied) return std::move(applied).error();
            if (*applied) {
              if (auto done = effects.file_deleted(session, *id, event.time); !done) return done;
            }
            return record(session, kFileStream, event);
          });
}

}  // namespace syllabus_service::infrastructure
