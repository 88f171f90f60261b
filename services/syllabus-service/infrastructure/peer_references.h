// References answered by their owners: the subject-service (GET /subjects/{id}) and the
// file-service (GET /files/{id}), through the resilient client. 200: it exists (and what
// it is, stored in the read model); 404: it does not. When the owner cannot answer
// (breaker open, down, too slow), the read model decides if it knows the reference; if
// not, the owner's failure is the answer (503 with Retry-After, or 504). A peer's own
// error is never taken for an answer.
#pragma once

#include "application/reference_views.h"
#include "application/references.h"
#include "platform/logging/logger.h"
#include "platform/resilience/peer_client.h"

namespace syllabus_service::infrastructure {

class PeerReferences : public application::References {
 public:
  PeerReferences(platform::resilience::PeerClient& subjects,
                 platform::resilience::PeerClient& files, application::ReferenceViews& views,
                 platform::logging::Logger& logger)
      : subjects_(subjects), files_(files), views_(views), logger_(logger) {}

  platform::core::Result<application::Known<application::SubjectView>> subject(
      const platform::core::Uuid& id, const application::CallContext& context) override;
  platform::core::Result<application::Known<application::FileView>> file(
      const platform::core::Uuid& id, const application::CallContext& context) override;

 private:
  platform::resilience::PeerClient& subjects_;
  platform::resilience::PeerClient& files_;
  application::ReferenceViews& views_;
  platform::logging::Logger& logger_;
};

// The views as the owners' JSON describes them (GET answers and list items); nullopt
// when the JSON does not fit.
std::optional<application::SubjectView> subject_view_from_json(std::string_view json);
std::optional<application::FileView> file_view_from_json(std::string_view json);

}  // namespace syllabus_service::infrastructure
