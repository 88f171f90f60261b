// CreateDownloadUrlHandler: a signed, short-lived URL for one file's content.
//
//   CreateDownloadUrlHandler download_url(repository, signer, clock, {.max_ttl = 1h});
//   auto link = download_url.handle(id, std::chrono::seconds(300));   // {url, expires_at}
#pragma once

#include <chrono>
#include <string>

#include "application/clock.h"
#include "application/file_repository.h"
#include "application/url_signer.h"
#include "platform/core/result.h"

namespace file_service::application {

// The path a file's content is served at; what a download URL signs.
std::string content_path(const platform::core::Uuid& id);

struct DownloadUrl {
  std::string url;  // base_url + content path + signed query
  platform::core::Timestamp expires_at;
};

struct DownloadUrlOptions {
  std::chrono::seconds max_ttl{3600};  // longer requests are capped to this
  std::string base_url;                // prefix of the URL ("" = a path-only URL)
};

class CreateDownloadUrlHandler {
 public:
  CreateDownloadUrlHandler(FileRepository& repository, const UrlSigner& signer, Clock clock,
                           DownloadUrlOptions options)
      : repository_(repository),
        signer_(signer),
        clock_(std::move(clock)),
        options_(std::move(options)) {}

  // kNotFound when the file does not exist; kInvalidArgument for a ttl below 1 s. A ttl
  // above the maximum is capped to it.
  platform::core::Result<DownloadUrl> handle(const platform::core::Uuid& id,
                                             std::chrono::seconds ttl);

 private:
  FileRepository& repository_;
  const UrlSigner& signer_;
  Clock clock_;
  DownloadUrlOptions options_;
};

}  // namespace file_service::application
