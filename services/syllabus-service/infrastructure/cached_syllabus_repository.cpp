#include "infrastructure/cached_syllabus_repository.h"

namespace syllabus_service::infrastructure {

using platform::core::Result;

CachedSyllabusRepository::CachedSyllabusRepository(application::SyllabusRepository& store,
                                                   std::chrono::milliseconds ttl)
    : store_(store),
      working_(ttl, kMaxEntries),
      refresher_("syllabus-cache-refresh", [this](const platform::core::Uuid& id) { reload(id); }) {
  if (working_.enabled()) refresher_.start();
}

void CachedSyllabusRepository::reload(const platform::core::Uuid& id) {
  const auto generation = working_.generation();
  // Unchanged (the common case): a look at its version, not a load.
  if (const auto held = working_.peek(id)) {
    auto stamp = store_.working_stamp(id);
    if (stamp && *stamp == RevisionStamp{(*held)->revision, (*held)->version}) {
      working_.renew(id, generation);
      return;
    }
  }
  auto loaded = store_.working(id);
  if (loaded) {
    working_.put(id, std::make_shared<const domain::Syllabus>(std::move(loaded).value()),
                 generation);
  } else if (loaded.error().code() == platform::core::ErrorCode::kNotFound) {
    working_.erase(id);  // deleted elsewhere
  }
}

std::shared_ptr<const domain::Syllabus> CachedSyllabusRepository::working_in_memory(
    const platform::core::Uuid& id) {
  auto hit = working_.lookup(id);
  if (!hit) return nullptr;
  if (hit->refresh) refresher_.request(id);
  return std::move(hit->value);
}

Result<void> CachedSyllabusRepository::create(const domain::Syllabus& first,
                                              const application::Change& change) {
  return store_.create(first, change);
}

Result<void> CachedSyllabusRepository::write(const std::vector<application::RevisionWrite>& writes,
                                             const application::Change& change) {
  auto written = store_.write(writes, change);
  // Also after a failed write: it may have failed because the stored state moved on.
  for (const auto& write : writes) working_.erase(write.revision.id);
  return written;
}

Result<void> CachedSyllabusRepository::remove(const platform::core::Uuid& id,
                                              std::int64_t expected_version,
                                              const application::Change& change) {
  auto removed = store_.remove(id, expected_version, change);
  working_.erase(id);
  return removed;
}

Result<domain::Syllabus> CachedSyllabusRepository::working(const platform::core::Uuid& id) {
  if (auto hit = working_in_memory(id)) return *hit;
  const auto generation = working_.generation();
  auto loaded = store_.working(id);
  if (loaded) working_.put(id, std::make_shared<const domain::Syllabus>(*loaded), generation);
  return loaded;
}

}  // namespace syllabus_service::infrastructure
