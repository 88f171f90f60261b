#include "application/open_content.h"

#include <charconv>

namespace file_service::application {

using platform::core::Error;
using platform::core::Result;

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
