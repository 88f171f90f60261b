// The port through which the syllabus-service learns whether the subjects and files a
// syllabus names exist. Implemented by infrastructure/peer_references (the subject- and
// file-service through the resilient client, with the local read model when a peer is
// unavailable) and by fakes in tests.
#pragma once

#include <chrono>
#include <optional>

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
  // true or false when known; kUnavailable (with a Retry-After) when the owner cannot be
  // asked and nothing local knows; kDeadlineExceeded when the time ran out.
  virtual platform::core::Result<bool> subject_exists(const platform::core::Uuid& id,
                                                      const CallContext& context) = 0;
  virtual platform::core::Result<bool> file_exists(const platform::core::Uuid& id,
                                                   const CallContext& context) = 0;
};

}  // namespace syllabus_service::application
