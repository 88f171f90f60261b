// The syllabus-service's subscriptions to its neighbours' events (events.subject,
// events.file): each event updates the read model in the consumer's transaction (only
// when newer; deletions leave tombstones), records the stream's progress, and, for a
// deletion that applied, has its effect on syllabi in that same transaction.
#pragma once

#include "platform/core/result.h"
#include "platform/core/time.h"
#include "platform/core/uuid.h"
#include "platform/db/database.h"
#include "platform/events/subscriptions.h"

namespace syllabus_service::infrastructure {

inline constexpr const char* kSubjectStream = "events.subject";
inline constexpr const char* kFileStream = "events.file";

// What a deleted subject or file does to the syllabi that name it, inside the consumer's
// transaction. Implemented by the syllabus repository.
class ReferenceEffects {
 public:
  virtual ~ReferenceEffects() = default;
  // Drafts of the subject's syllabi are archived; published revisions are marked
  // subject_deleted (still readable).
  virtual platform::core::Result<void> subject_deleted(platform::db::Session& session,
                                                       const platform::core::Uuid& subject_id,
                                                       platform::core::Timestamp now) = 0;
  // The file is detached from drafts and flagged on published revisions.
  virtual platform::core::Result<void> file_deleted(platform::db::Session& session,
                                                    const platform::core::Uuid& file_id,
                                                    platform::core::Timestamp now) = 0;
};

class SqlReferenceViews;

void subscribe_to_references(platform::events::Subscriptions& subscriptions,
                             SqlReferenceViews& views, ReferenceEffects& effects);

}  // namespace syllabus_service::infrastructure
