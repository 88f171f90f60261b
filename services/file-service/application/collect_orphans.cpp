#include "application/collect_orphans.h"

#include <sys/stat.h>

#include <system_error>

namespace file_service::application {

using platform::core::Result;

Result<OrphanReport> CollectOrphansHandler::handle() {
  OrphanReport report;
  const std::int64_t cutoff = platform::core::unix_seconds(clock_()) - grace_.count();
  auto objects = storage_.list();
  if (!objects) return objects.error();
  report.objects_seen = objects->size();
  std::vector<std::string> old_keys;
  for (const auto& object : *objects) {
    if (object.modified_unix < cutoff) old_keys.push_back(object.key);
  }
  if (!old_keys.empty()) {
    auto referenced = repository_.referenced_keys(old_keys);
    if (!referenced) return referenced.error();
    for (const auto& key : old_keys) {
      if (referenced->contains(key)) continue;
      if (storage_.remove(key)) ++report.orphans_removed;
    }
  }
  // Spool files of uploads a crash interrupted.
  std::error_code ec;
  for (std::filesystem::directory_iterator it(spool_directory_, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".part") continue;
    struct stat status {};
    if (::stat(it->path().c_str(), &status) != 0) continue;
    if (status.st_mtim.tv_sec >= cutoff) continue;
    std::error_code remove_ec;
    if (std::filesystem::remove(it->path(), remove_ec)) ++report.spool_files_removed;
  }
  return report;
}

}  // namespace file_service::application
