// References answered by their owners: the subject-service (GET /subjects/{id}) and the
// file-service (GET /files/{id}), through the resilient client. 200 means it exists,
// 404 that it does not; anything else is the peer's failure, never taken for an answer.
#pragma once

#include "application/references.h"
#include "platform/resilience/peer_client.h"

namespace syllabus_service::infrastructure {

class PeerReferences : public application::References {
 public:
  PeerReferences(platform::resilience::PeerClient& subjects,
                 platform::resilience::PeerClient& files)
      : subjects_(subjects), files_(files) {}

  platform::core::Result<bool> subject_exists(const platform::core::Uuid& id,
                                              const application::CallContext& context) override;
  platform::core::Result<bool> file_exists(const platform::core::Uuid& id,
                                           const application::CallContext& context) override;

 private:
  platform::resilience::PeerClient& subjects_;
  platform::resilience::PeerClient& files_;
};

}  // namespace syllabus_service::infrastructure
