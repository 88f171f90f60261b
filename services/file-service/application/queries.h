// The file-service's queries: a file's metadata, a signed download URL for it, and its
// content behind such a URL.
//
//   auto link = download_url.handle(id, std::chrono::seconds(300));   // {url, expires_at}
//   auto content = open_content.handle({.method = "GET", .path = ..., .query = ...});
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "application/commands.h"
#include "application/file_repository.h"
#include "application/file_storage.h"
#include "application/url_signer.h"
#include "domain/file_metadata.h"
#include "platform/core/result.h"

namespace file_service::application {

class GetFileHandler {
 public:
  explicit GetFileHandler(FileRepository& repository) : repository_(repository) {}
  // kNotFound when absent.
  platform::core::Result<domain::FileMetadata> handle(const platform::core::Uuid& id);

 private:
  FileRepository& repository_;
};

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

struct ContentRequest {
  platform::core::Uuid id;
  std::string method;  // GET or HEAD; a URL signed for GET also serves HEAD
  std::string path;    // the request path, as signed
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded
  // Bytes [first, last] when the client asked for one satisfiable range; the caller
  // decides the range against the size (see api/byte_range.h), so this comes in a second
  // step: authorize() then open().
};

class OpenContentHandler {
 public:
  OpenContentHandler(FileRepository& repository, FileStorage& storage, const UrlSigner& signer,
                     Clock clock)
      : repository_(repository), storage_(storage), signer_(signer), clock_(std::move(clock)) {}

  // The file behind a signed URL: kPermissionDenied when the signature is missing,
  // tampered, expired, or made for another file; kNotFound when the file was deleted.
  platform::core::Result<domain::FileMetadata> authorize(const ContentRequest& request);
  // The bytes [offset, offset + length) of an authorised file.
  platform::core::Result<std::unique_ptr<ObjectReader>> open(const domain::FileMetadata& file,
                                                             std::uint64_t offset,
                                                             std::uint64_t length);
  // Seconds the URL of `request` stays valid, for Cache-Control.
  std::int64_t seconds_left(const ContentRequest& request) const;

 private:
  FileRepository& repository_;
  FileStorage& storage_;
  const UrlSigner& signer_;
  Clock clock_;
};

}  // namespace file_service::application
