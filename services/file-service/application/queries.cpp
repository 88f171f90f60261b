#include "application/queries.h"

#include <charconv>

namespace file_service::application {

namespace {

using platform::core::Error;
using platform::core::Result;

}  // namespace

std::string content_path(const platform::core::Uuid& id) {
  return "/files/" + id.to_string() + "/content";
}

Result<domain::FileMetadata> GetFileHandler::handle(const platform::core::Uuid& id) {
  return repository_.find(id);
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

Result<domain::FileMetadata> OpenContentHandler::authorize(const ContentRequest& request) {
  // HEAD asks for what GET would answer, without the body.
  // Both arms string_view: a std::string arm would make the result a temporary string.
  const std::string_view method =
      request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
  if (auto allowed = signer_.verify(method, request.path, request.query,
                                    platform::core::unix_seconds(clock_()));
      !allowed) {
    return allowed.error();
  }
  return repository_.find(request.id);
}

Result<std::unique_ptr<ObjectReader>> OpenContentHandler::open(const domain::FileMetadata& file,
                                                               std::uint64_t offset,
                                                               std::uint64_t length) {
  auto reader = storage_.open(file.storage_key, offset, length);
  if (!reader && reader.error().code() == platform::core::ErrorCode::kNotFound) {
    // Metadata without bytes breaks the service's own invariant: not the client's 404.
    return Error::internal("the bytes of file " + file.id.to_string() + " are missing");
  }
  return reader;
}

std::int64_t OpenContentHandler::seconds_left(const ContentRequest& request) const {
  for (const auto& [name, value] : request.query) {
    if (name != "expires") continue;
    std::int64_t expires = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), expires);
    if (ec != std::errc()) return 0;
    return std::max<std::int64_t>(0, expires - platform::core::unix_seconds(clock_()));
  }
  return 0;
}

}  // namespace file_service::application
