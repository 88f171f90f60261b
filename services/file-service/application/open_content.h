// OpenContentHandler: the content behind a signed download URL, in two steps: authorize()
// checks the signature and finds the file, open() reads the bytes of the range the
// caller decided on (api/byte_range.h) against the file's size.
//
//   auto file = open_content.authorize({.id = id, .method = "GET", .path = ..., .query = ...});
//   auto reader = open_content.open(*file, 0, file->size);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "application/clock.h"
#include "application/file_repository.h"
#include "application/file_storage.h"
#include "application/url_signer.h"
#include "domain/file_metadata.h"
#include "platform/core/result.h"

namespace file_service::application {

struct ContentRequest {
  platform::core::Uuid id;
  std::string method;  // GET or HEAD; a URL signed for GET also serves HEAD
  std::string path;    // the request path, as signed
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded
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
