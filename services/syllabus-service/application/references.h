// The port through which the syllabus-service learns whether the subjects and files a
// syllabus names exist, and what they are. Implemented by infrastructure/peer_references
// (the owner first, through the resilient client; the local read model when the owner
// cannot be asked) and by fakes in tests.
#pragma once

#include <chrono>
#include <optional>

#include "application/reference_views.h"
#include "platform/core/result.h"
#include "platform/core/uuid.h"
#include "platform/http/message.h"

namespace syllabus_service::application {

// The request a check is made for: its trace goes with the calls, and its deadline
// bounds them.
struct CallContext {
  platform::http::TraceContext trace;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

class References {
 public:
  virtual ~References() = default;
  // kLive with what the owner (or, when it cannot be asked, the read model) knows;
  // kDeleted when it does not exist. kUnavailable (with a Retry-After) when the owner
  // cannot be asked and the read model does not know it; kDeadlineExceeded when the
  // caller's time ran out first.
  virtual platform::core::Result<Known<SubjectView>> subject(const platform::core::Uuid& id,
                                                             const CallContext& context) = 0;
  virtual platform::core::Result<Known<FileView>> file(const platform::core::Uuid& id,
                                                       const CallContext& context) = 0;
};

}  // namespace syllabus_service::application
