#include "infrastructure/peer_references.h"

namespace syllabus_service::infrastructure {
namespace {

using platform::core::Result;

Result<bool> exists(platform::resilience::PeerClient& peer, const std::string& target,
                    const application::CallContext& context) {
  auto response =
      peer.send({.target = target, .trace = &context.trace, .deadline = context.deadline});
  if (!response) return std::move(response).error();
  if (response->status == 200) return true;
  if (response->status == 404) return false;
  if (auto problem = response->problem()) {
    platform::core::Error failure = problem->as_dependency_failure();
    if (const auto delay = response->retry_after()) failure.with_retry_after(*delay);
    return failure;
  }
  return platform::core::Error::internal(peer.peer() + " answered " +
                                         std::to_string(response->status) + " for " + target);
}

}  // namespace

Result<bool> PeerReferences::subject_exists(const platform::core::Uuid& id,
                                            const application::CallContext& context) {
  return exists(subjects_, "/subjects/" + id.to_string(), context);
}

Result<bool> PeerReferences::file_exists(const platform::core::Uuid& id,
                                         const application::CallContext& context) {
  return exists(files_, "/files/" + id.to_string(), context);
}

}  // namespace syllabus_service::infrastructure
