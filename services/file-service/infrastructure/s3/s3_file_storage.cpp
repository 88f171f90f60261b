#include "infrastructure/s3/s3_file_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <limits>
#include <system_error>

#include "infrastructure/s3/s3_xml.h"
#include "platform/core/crypto.h"
#include "platform/core/url.h"

namespace file_service::infrastructure::s3 {
namespace {

using application::ObjectReader;
using application::StoredObject;
using platform::core::Error;
using platform::core::Result;
using platform::http::BodyReader;
using platform::http::ClientResponse;

constexpr std::size_t kMaxErrorDocumentBytes = 64 * 1024;

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The spool file, read in pieces while it is sent.
class FileBody final : public platform::http::BodySource {
 public:
  FileBody(int descriptor, std::uint64_t size) : descriptor_(descriptor), size_(size) {}
  ~FileBody() override { ::close(descriptor_); }
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;

  std::optional<std::uint64_t> size() const override { return size_; }
  Result<std::size_t> read(std::span<char> buffer) override {
    for (;;) {
      const ssize_t n = ::read(descriptor_, buffer.data(), buffer.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) return Error::internal("cannot read the spool file: " + errno_text());
    }
  }

 private:
  static std::string errno_text() { return std::system_category().message(errno); }
  int descriptor_;
  std::uint64_t size_;
};

// Streams the body of a GET: stops after `length` bytes even when a server ignored the
// Range and sent the whole object, and treats a body that ends early as a failure.
class S3ObjectReader final : public ObjectReader {
 public:
  S3ObjectReader(std::shared_ptr<BodyReader> body, std::uint64_t length)
      : body_(std::move(body)), remaining_(length) {}

  Result<std::size_t> read(std::span<char> buffer) override {
    if (remaining_ == 0 || buffer.empty()) return std::size_t{0};
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining_));
    auto n = body_->read(buffer.first(want));
    if (!n) return n.error();
    if (*n == 0)
      return Error::unavailable(
          "object storage is unavailable",
          "object body ended " + std::to_string(remaining_) + " bytes before the requested range");
    remaining_ -= *n;
    return *n;
  }

 private:
  std::shared_ptr<BodyReader> body_;
  std::uint64_t remaining_;
};

// The body of an answer, whether it was buffered or streamed (up to `limit` bytes).
Result<std::string> body_of(const ClientResponse& response, std::size_t limit) {
  if (!response.body_stream) return response.body;
  std::string body;
  std::array<char, 16384> chunk{};
  while (body.size() < limit) {
    auto n = response.body_stream->read(chunk);
    if (!n) return n.error();
    if (*n == 0) break;
    body.append(chunk.data(), *n);
  }
  return body;
}

}  // namespace

Result<platform::http::Url> parse_endpoint(std::string_view text) {
  const auto bad = [](std::string message) {
    return Error::invalid_argument("endpoint", std::move(message));
  };
  auto url = platform::core::parse_url(text);
  if (!url) return bad("must be http(s)://host[:port][/path] (" + url.error().detail() + ")");
  if (url->scheme != "http" && url->scheme != "https")
    return bad("must start with http:// or https://");
  if (url->host.empty()) return bad("has no host");
  if (!url->user.empty() || url->password || !url->query.empty() ||
      text.find('#') != std::string_view::npos)
    return bad("must be scheme://host[:port][/path]");
  if (url->port == 0) return bad("bad port");
  std::string base_path = url->path;
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  return platform::http::Url{
      .scheme = url->scheme, .host = url->host, .port = url->port, .target = std::move(base_path)};
}

Result<std::unique_ptr<S3FileStorage>> S3FileStorage::create(S3Options options) {
  auto endpoint = parse_endpoint(options.endpoint);
  if (!endpoint) return endpoint.error();
  if (options.bucket.empty()) return Error::invalid_argument("bucket", "must not be empty");
  if (options.region.empty()) return Error::invalid_argument("region", "must not be empty");
  if (options.access_key_id.empty() || options.secret_access_key.empty())
    return Error::invalid_argument("credentials", "access key id and secret must be set");
  if (options.list_page_size == 0 || options.list_page_size > 1000)
    return Error::invalid_argument("list_page_size", "must be 1 to 1000");
  if (!options.path_style) {
    // Virtual-hosted style: the bucket becomes part of the host name.
    if (options.bucket.find('.') != std::string::npos && endpoint->tls())
      return Error::invalid_argument(
          "bucket", "a bucket name with dots needs path-style addressing over https");
    endpoint->host = options.bucket + "." + endpoint->host;
  }
  if (!options.ca_file.empty() && !std::filesystem::is_regular_file(options.ca_file))
    return Error::invalid_argument("ca_file", options.ca_file + " is not a readable file");
  try {
    return std::unique_ptr<S3FileStorage>(
        new S3FileStorage(std::move(options), std::move(*endpoint)));
  } catch (const std::exception& error) {  // the TLS context: an unusable CA file
    return Error::invalid_argument("ca_file", error.what());
  }
}

S3FileStorage::S3FileStorage(S3Options options, platform::http::Url endpoint)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      credentials_{options_.access_key_id, options_.secret_access_key},
      scope_{options_.region, "s3"},
      http_(std::make_unique<platform::http::Client>(
          platform::http::ClientOptions{.connect_timeout = options_.connect_timeout,
                                        .request_timeout = options_.request_timeout,
                                        .max_connections_per_host = options_.max_connections,
                                        .max_response_bytes = std::size_t{64} * 1024 * 1024,
                                        .peer_name = "object storage",
                                        .ca_file = options_.ca_file})) {}

Result<ClientResponse> S3FileStorage::send(Call call) {
  std::string path = endpoint_.target;
  if (options_.path_style) path += "/" + options_.bucket;
  if (!call.object_key.empty() || !options_.path_style) path += "/";
  if (!call.object_key.empty()) path += options_.key_prefix + call.object_key;

  RequestToSign to_sign{.method = call.method,
                        .path = path,
                        .query = call.query,
                        .headers = call.headers,
                        .payload_sha256 = call.payload_sha256};
  to_sign.headers.push_back({"host", endpoint_.host_header()});
  SignedRequest signed_request =
      sign(to_sign, credentials_, scope_, std::chrono::system_clock::now());

  std::string url = endpoint_.scheme + "://" + endpoint_.authority() + canonical_uri(path);
  if (!call.query.empty()) url += "?" + query_string(call.query);
  platform::http::ClientRequest request{.method = call.method,
                                        .url = std::move(url),
                                        .body = std::move(call.body),
                                        .body_source = std::move(call.body_source)};
  request.headers.set("Host", endpoint_.host_header());
  for (const auto& field : call.headers) request.headers.add(field.name, field.value);
  for (const auto& field : signed_request.headers_to_add) {
    request.headers.add(field.name, field.value);
  }
  platform::http::CallOptions options{.stream_response = call.stream_response};
  if (call.timeout.count() > 0) options.timeout = call.timeout;
  return http_->send(std::move(request), options);
}

Error S3FileStorage::failure(std::string_view action, const ClientResponse& response) {
  const int status = response.status;
  S3ErrorDocument document;
  if (auto body = body_of(response, kMaxErrorDocumentBytes)) document = parse_error_document(*body);
  std::string log = "S3 " + std::string(action) + " answered " + std::to_string(status);
  if (!document.code.empty()) log += " " + document.code;
  if (!document.message.empty()) log += ": " + document.message;
  if (status >= 500) return Error::unavailable("object storage is unavailable", log);
  return Error::internal(log);
}

Result<void> S3FileStorage::put(const std::string& key, const std::filesystem::path& spool_file,
                                const application::ObjectDetails& details) {
  if (key.empty()) return Error::internal("S3 put of an empty key");
  if (!is_sha256_hex(details.sha256_hex))
    return Error::internal("S3 put of " + key + " without a lower-case hex sha256");
  std::error_code error;
  const auto size = std::filesystem::file_size(spool_file, error);
  if (error)
    return Error::internal("cannot read spool file " + spool_file.string() + ": " +
                           error.message());
  if (size != details.size)
    return Error::internal("spool file " + spool_file.string() + " holds " + std::to_string(size) +
                           " bytes, the upload " + std::to_string(details.size));

  const int descriptor = ::open(spool_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    return Error::internal("cannot open spool file " + spool_file.string() + ": " +
                           std::system_category().message(errno));
  }
  Call call{.method = "PUT", .object_key = key, .payload_sha256 = details.sha256_hex};
  if (!details.content_type.empty()) call.headers.push_back({"content-type", details.content_type});
  call.body_source = std::make_shared<FileBody>(descriptor, size);
  // A large object may take longer than a small call: a second more per MiB.
  call.timeout = options_.request_timeout + std::chrono::seconds(size / (1024 * 1024));
  auto response = send(std::move(call));
  if (!response) return response.error();
  if (response->status == 200) return platform::core::ok();
  return failure("PUT " + key, *response);
}

Result<std::unique_ptr<ObjectReader>> S3FileStorage::open(const std::string& key,
                                                          std::uint64_t offset,
                                                          std::uint64_t length) {
  if (length == 0) {
    // A Range cannot name zero bytes: ask whether the object exists instead.
    auto response = send({.method = "HEAD", .object_key = key});
    if (!response) return response.error();
    if (response->status == 404) return Error::not_found("object " + key + " does not exist");
    if (response->status != 200) return failure("HEAD " + key, *response);
    return std::unique_ptr<ObjectReader>(new S3ObjectReader(nullptr, 0));
  }
  if (offset > std::numeric_limits<std::uint64_t>::max() - length) {
    return Error::internal("the range of " + key + " overflows");
  }
  Call call{.method = "GET", .object_key = key, .stream_response = true};
  call.headers.push_back(
      {"range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)});
  auto response = send(std::move(call));
  if (!response) return response.error();
  const int status = response->status;
  if (status == 404) return Error::not_found("object " + key + " does not exist");
  // 200: the server sent the whole object; usable only when the range starts at 0.
  if (status == 206 || (status == 200 && offset == 0))
    return std::unique_ptr<ObjectReader>(new S3ObjectReader(response->body_stream, length));
  return failure("GET " + key, *response);
}

Result<void> S3FileStorage::remove(const std::string& key) {
  auto response = send({.method = "DELETE", .object_key = key});
  if (!response) return response.error();
  const int status = response->status;
  if (status == 204 || status == 200 || status == 404) return platform::core::ok();
  return failure("DELETE " + key, *response);
}

Result<std::vector<StoredObject>> S3FileStorage::list() {
  std::vector<StoredObject> objects;
  std::string token;
  for (;;) {
    Call call{.method = "GET"};
    call.query = {{"list-type", "2"}, {"max-keys", std::to_string(options_.list_page_size)}};
    if (!options_.key_prefix.empty()) call.query.emplace_back("prefix", options_.key_prefix);
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    auto response = send(std::move(call));
    if (!response) return response.error();
    if (response->status != 200) return failure("list", *response);
    auto page = parse_list_objects(response->body);
    if (!page) return page.error();
    for (auto& object : page->objects) {
      if (!object.key.starts_with(options_.key_prefix)) continue;
      objects.push_back(
          {object.key.substr(options_.key_prefix.size()), object.size, object.modified_unix});
    }
    if (!page->is_truncated) return objects;
    if (page->next_continuation_token == token)
      return Error::internal("S3 list returned the same continuation token twice");
    token = std::move(page->next_continuation_token);
  }
}

Result<void> S3FileStorage::check() {
  auto response = send({.method = "HEAD"});
  if (!response) return response.error();
  if (response->status == 200) return platform::core::ok();
  if (response->status == 404)
    return Error::unavailable("object storage is unavailable",
                              "S3 bucket " + options_.bucket + " does not exist");
  return failure("HEAD bucket " + options_.bucket, *response);
}

Result<void> S3FileStorage::create_bucket_if_absent() {
  auto exists = send({.method = "HEAD"});
  if (!exists) return exists.error();
  if (exists->status == 200) return platform::core::ok();
  if (exists->status != 404) return failure("HEAD bucket " + options_.bucket, *exists);

  Call call{.method = "PUT"};
  // us-east-1 is the default location and must not be named.
  if (options_.region != "us-east-1") {
    call.body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        options_.region + "</LocationConstraint></CreateBucketConfiguration>";
    call.payload_sha256 = platform::core::sha256_hex(call.body);
  }
  auto created = send(std::move(call));
  if (!created) return created.error();
  if (created->status == 200) return platform::core::ok();
  if (created->status == 409) {  // created meanwhile, by us (or taken by someone else)
    if (parse_error_document(created->body).code == "BucketAlreadyOwnedByYou")
      return platform::core::ok();
    return Error::internal("S3 bucket " + options_.bucket + " exists and is not ours");
  }
  return failure("PUT bucket " + options_.bucket, *created);
}

}  // namespace file_service::infrastructure::s3
