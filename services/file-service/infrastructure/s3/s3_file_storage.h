// FileStorage on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, s3rver) over
// HTTP/1.1 or https with SigV4 signing, through the platform's one HTTP client (pooled
// keep-alive connections, certificate and host verification): put streams the spool file
// with its sha256 signed, open streams a Range GET, list pages through ListObjectsV2,
// check is a HEAD of the bucket.
//
//   auto storage = S3FileStorage::create({.endpoint = "http://127.0.0.1:9000",
//                                         .bucket = "files", .region = "us-east-1",
//                                         .access_key_id = id, .secret_access_key = secret});
//   if (!storage) return storage.error();  // kInvalidArgument: a bad endpoint or empty field
//   (*storage)->put("ab/cd", spool_path, details);
//
// Failures: no connection, a timeout or a 5xx -> kUnavailable; a rejected signature or
// credentials (403) and other unexpected answers -> kInternal with S3's code and message
// in log_detail (never the secret).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "application/file_storage.h"
#include "infrastructure/s3/sigv4.h"
#include "platform/http/client.h"

namespace file_service::infrastructure::s3 {

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:9000", "https://s3.eu-central-1.amazonaws.com"
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  // Path style ("/bucket/key") works with every S3-compatible server; virtual-hosted style
  // ("bucket.host/key") is what AWS prefers for new buckets.
  bool path_style = true;
  // Prepended to every key ("files/"); list() returns keys without it.
  std::string key_prefix;
  std::chrono::milliseconds connect_timeout{5000};
  // The deadline of one call; an upload gets one second more per MiB of its size, and a
  // download's reads each get this long once the call's deadline has passed.
  std::chrono::milliseconds request_timeout{30000};
  std::size_t list_page_size = 1000;  // max-keys of each ListObjectsV2 call
  std::string ca_file;                // trusted CAs for https in place of the system store
  std::size_t max_connections = 64;   // open to the store at once
};

// The endpoint setting ("https://s3.eu-west-1.amazonaws.com/base"), read by the platform's
// URL parser (platform/core/url.h): http or https, a host, an optional port (1-65535) and
// a base path, returned decoded and without a trailing '/' in `target` (it is signed and
// encoded with the rest of each request's path); no user info, query or fragment.
// kInvalidArgument (field "endpoint") for anything else.
platform::core::Result<platform::http::Url> parse_endpoint(std::string_view url);

class S3FileStorage final : public application::FileStorage {
 public:
  static platform::core::Result<std::unique_ptr<S3FileStorage>> create(S3Options options);

  std::string_view backend() const override { return "s3"; }
  platform::core::Result<void> put(const std::string& key, const std::filesystem::path& spool_file,
                                   const application::ObjectDetails& details) override;
  platform::core::Result<std::unique_ptr<application::ObjectReader>> open(
      const std::string& key, std::uint64_t offset, std::uint64_t length) override;
  platform::core::Result<void> remove(const std::string& key) override;
  platform::core::Result<std::vector<application::StoredObject>> list() override;
  platform::core::Result<void> check() override;

  // Creates the bucket unless it exists: for tests and local runs, not for production
  // (where buckets, their region and policies belong to the infrastructure code).
  platform::core::Result<void> create_bucket_if_absent();

 private:
  S3FileStorage(S3Options options, platform::http::Url endpoint);

  struct Call {
    std::string method;
    std::string object_key;  // "" addresses the bucket itself
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<HeaderField> headers;
    std::string payload_sha256 = std::string(kEmptyPayloadSha256);
    std::string body;
    std::shared_ptr<platform::http::BodySource> body_source;
    bool stream_response = false;
    std::chrono::milliseconds timeout{0};  // 0: options.request_timeout
  };
  // Signs and sends; the answer whatever its status (transport failures are errors).
  platform::core::Result<platform::http::ClientResponse> send(Call call);
  // The error for an unexpected answer, reading S3's error document when there is one.
  platform::core::Error failure(std::string_view action,
                                const platform::http::ClientResponse& response);

  S3Options options_;
  // Where requests go: scheme, host (bucket.host in virtual-hosted style), port, and the
  // endpoint's base path in `target` ("" or "/base").
  platform::http::Url endpoint_;
  Credentials credentials_;
  SigningScope scope_;
  std::unique_ptr<platform::http::Client> http_;
};

}  // namespace file_service::infrastructure::s3
