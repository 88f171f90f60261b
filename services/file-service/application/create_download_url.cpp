#include "application/create_download_url.h"

#include <algorithm>

namespace file_service::application {

using platform::core::Error;
using platform::core::Result;

std::string content_path(const platform::core::Uuid& id) {
  return "/files/" + id.to_string() + "/content";
}

Result<DownloadUrl> CreateDownloadUrlHandler::handle(const platform::core::Uuid& id,
                                                     std::chrono::seconds ttl) {
  if (ttl.count() < 1) return Error::invalid_argument("ttl", "must be at least 1 second");
  ttl = std::min(ttl, options_.max_ttl);
  if (auto file = repository_.find(id); !file) return file.error();
  const platform::core::Timestamp now = clock_();
  const std::int64_t expires = platform::core::unix_seconds(now) + ttl.count();
  const std::string path = content_path(id);
  return DownloadUrl{.url = options_.base_url + path + "?" + signer_.sign("GET", path, expires),
                     .expires_at = platform::core::Timestamp(std::chrono::seconds(expires))};
}

}  // namespace file_service::application
