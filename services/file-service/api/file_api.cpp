#include "api/file_api.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <memory>
#include <vector>

#include "api/byte_range.h"
#include "api/content_disposition.h"
#include "api/multipart.h"
#include "domain/filename.h"
#include "platform/core/strings.h"

namespace file_service::api {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;
using platform::http::Request;
using platform::http::Response;

// Read size for request bodies: large enough that a 50 MiB upload is a few hundred
// reads, small enough to be nothing next to the 30 MB memory budget.
constexpr std::size_t kReadChunk = std::size_t{256} * 1024;
// Form fields other than "file" are ignored, but not without bound.
constexpr std::uint64_t kMaxOtherFieldBytes = 64 * 1024;
constexpr std::size_t kMaxUserBytes = 200;

boost::json::object to_json(const domain::FileMetadata& file) {
  return {{"id", file.id.to_string()},
          {"filename", file.filename},
          {"content_type", file.content_type},
          {"size", file.size},
          {"sha256", file.sha256},
          {"uploaded_by", file.uploaded_by},
          {"created_at", platform::core::format_rfc3339(file.created_at)}};
}

std::string etag(const domain::FileMetadata& file) {
  return "\"" + file.sha256 + "\"";
}

Result<platform::core::Uuid> id_from_path(const Request& request) {
  const auto id = platform::core::Uuid::parse(request.path_param("id"));
  // An id that cannot exist names no resource: 404, like any unknown id.
  if (!id) {
    return Error::not_found("file " + std::string(request.path_param("id")) + " does not exist");
  }
  return *id;
}

application::EventOrigin origin_of(const Request& request) {
  return {request.trace.traceparent(), request.trace.request_id};
}

// The caller as the gateway vouched for it (identity_middleware); "anonymous" without.
Result<std::string> caller(const Request& request) {
  if (!request.caller.authenticated()) return std::string("anonymous");
  const std::string_view value = request.caller.user_id;
  if (!is_user_name(value)) {
    return Error::malformed("the caller's id must be 1 to 200 printable characters");
  }
  return std::string(value);
}

bool is_multipart(std::string_view content_type) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  return platform::core::iequals(platform::core::trim(type), "multipart/form-data");
}

// Feeds a multipart body's "file" part into an UploadSpool.
class FilePartSpooler final : public MultipartHandler {
 public:
  FilePartSpooler(const UploadOptions& options) : options_(options) {}

  Result<void> on_part_begin(const PartHeaders& headers) override {
    in_file_ = headers.name == "file";
    if (!in_file_) return platform::core::ok();
    if (spool_ || upload_) return Error::invalid_argument("file", "must be given once");
    if (!headers.filename) {
      return Error::invalid_argument("filename", "the file part must carry a filename");
    }
    auto name = domain::sanitise_filename(*headers.filename);
    if (!name) return std::move(name).error();
    filename_ = std::move(*name);
    auto spool = application::UploadSpool::create(options_.spool_directory, options_.max_bytes);
    if (!spool) return std::move(spool).error();
    spool_.emplace(std::move(*spool));
    return platform::core::ok();
  }
  Result<void> on_part_data(std::string_view data) override {
    if (in_file_) return spool_->write(data);
    other_bytes_ += data.size();
    if (other_bytes_ > kMaxOtherFieldBytes) {
      return Error(ErrorCode::kTooLarge, "form fields other than \"file\" exceed " +
                                             std::to_string(kMaxOtherFieldBytes) + " bytes");
    }
    return platform::core::ok();
  }
  Result<void> on_part_end() override {
    if (!in_file_) return platform::core::ok();
    in_file_ = false;
    auto upload = spool_->finish();
    spool_.reset();
    if (!upload) return std::move(upload).error();
    upload_.emplace(std::move(*upload));
    return platform::core::ok();
  }

  std::optional<application::SpooledUpload>& upload() { return upload_; }
  const std::string& filename() const { return filename_; }

 private:
  const UploadOptions& options_;
  bool in_file_ = false;
  std::uint64_t other_bytes_ = 0;
  std::string filename_;
  std::optional<application::UploadSpool> spool_;
  std::optional<application::SpooledUpload> upload_;
};

// The content of a stored object as a streamed response body; sent with sendfile when
// the object is a local file.
class ObjectBody final : public platform::http::BodySource {
 public:
  ObjectBody(std::unique_ptr<application::ObjectReader> reader, std::uint64_t size)
      : reader_(std::move(reader)), size_(size) {}
  std::optional<std::uint64_t> size() const override { return size_; }
  Result<std::size_t> read(std::span<char> buffer) override { return reader_->read(buffer); }
  std::optional<FileRange> file_range() const override {
    const auto local = reader_->local_file();
    if (!local) return std::nullopt;
    return FileRange{.descriptor = local->descriptor, .offset = local->offset};
  }

 private:
  std::unique_ptr<application::ObjectReader> reader_;
  std::uint64_t size_;
};

class Routes {
 public:
  Routes(FileHandlers handlers, UploadOptions options, platform::metrics::Registry& registry)
      : handlers_(handlers),
        options_(std::move(options)),
        uploaded_(registry.counter("file_uploads_total", "Files stored.")),
        uploaded_bytes_(registry.counter("file_upload_bytes_total", "Bytes of files stored.")),
        downloads_(registry.counter("file_downloads_total", "Content responses started.")),
        registry_(registry) {}

  Response upload(Request& request) {
    auto user = caller(request);
    if (!user) return Response::problem(user.error(), request);
    const std::string content_type(request.headers.get("Content-Type"));
    if (content_type.empty()) {
      return rejected(Error(ErrorCode::kUnsupportedMediaType,
                            "send multipart/form-data with a \"file\" field, or the raw file "
                            "with its Content-Type and ?filename="),
                      request);
    }
    // A declared length over the limit is refused before a byte of the body is read.
    const bool multipart = is_multipart(content_type);
    const std::uint64_t slack = multipart ? kMaxOtherFieldBytes : 0;
    if (const auto length = request.body_reader->content_length();
        length && *length > options_.max_bytes + slack) {
      return rejected(too_large(), request);
    }
    auto stored =
        multipart ? upload_multipart(request, content_type, *user) : upload_raw(request, *user);
    if (!stored) return rejected(stored.error(), request);
    uploaded_.inc();
    uploaded_bytes_.inc(static_cast<double>(stored->size));
    return Response::json(201, boost::json::serialize(to_json(*stored)))
        .with_header("Location", "/files/" + stored->id.to_string())
        .with_header("ETag", etag(*stored));
  }

  Response get(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto file = handlers_.get.handle(*id);
    if (!file) return Response::problem(file.error(), request);
    if (request.headers.get("If-None-Match") == etag(*file)) {
      return Response{.status = 304}.with_header("ETag", etag(*file));
    }
    return Response::json(200, boost::json::serialize(to_json(*file)))
        .with_header("ETag", etag(*file));
  }

  // Keyset pages in id (creation) order: what peers page through to backfill their models.
  Response list(Request& request) {
    application::ListFilesQuery query;
    // A limit that is not a number is out of range: the handler names the field.
    if (const auto limit = request.query_param("limit"))
      query.limit = platform::core::parse_integer<std::size_t>(*limit).value_or(0);
    query.cursor = request.query_param("cursor");
    auto page = handlers_.list.handle(query);
    if (!page) return Response::problem(page.error(), request);
    boost::json::array items;
    items.reserve(page->items.size());
    for (const auto& file : page->items) items.push_back(to_json(file));
    boost::json::object body{{"items", std::move(items)}, {"limit", query.limit}};
    if (page->next_cursor)
      body["next_cursor"] = *page->next_cursor;
    else
      body["next_cursor"] = nullptr;
    return Response::json(200, boost::json::serialize(body));
  }

  Response download_url(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    std::int64_t ttl = options_.default_ttl_seconds;
    if (const auto text = request.query_param("ttl")) {
      const auto parsed = platform::core::parse_integer<std::int64_t>(*text);
      if (!parsed)
        return Response::problem(Error::malformed("ttl must be a whole number of seconds"),
                                 request);
      ttl = *parsed;
    }
    auto link = handlers_.download_url.handle(*id, std::chrono::seconds(ttl));
    if (!link) return Response::problem(link.error(), request);
    boost::json::object body{{"url", link->url},
                             {"expires_at", platform::core::format_rfc3339(link->expires_at)}};
    return Response::json(200, boost::json::serialize(body))
        .with_header("Cache-Control", "no-store");
  }

  Response content(Request& request) {
    const auto id = platform::core::Uuid::parse(request.path_param("id"));
    if (!id) {
      // No valid link names a malformed id.
      return Response::problem(Error{ErrorCode::kPermissionDenied, "the link is not valid"},
                               request);
    }
    const application::ContentRequest content_request{
        .id = *id, .method = request.method, .path = request.path, .query = request.query_params()};
    auto file = handlers_.content.authorize(content_request);
    if (!file) return Response::problem(file.error(), request);

    const std::string tag = etag(*file);
    const auto cache =
        "private, max-age=" + std::to_string(handlers_.content.seconds_left(content_request));
    if (request.headers.get("If-None-Match") == tag) {
      return Response{.status = 304}.with_header("ETag", tag).with_header("Cache-Control", cache);
    }
    // If-Range: a range of another version would splice two contents; send the whole.
    std::optional<std::string_view> range_header = request.headers.find("Range");
    if (const auto if_range = request.headers.find("If-Range"); if_range && *if_range != tag) {
      range_header.reset();
    }
    const RangeDecision decision = decide_range(range_header, file->size);
    if (decision.outcome == RangeOutcome::kUnsatisfiable) {
      return Response::problem(
                 416, "the range is outside the file's " + std::to_string(file->size) + " bytes",
                 request.path)
          .with_header("Content-Range", unsatisfied_content_range(file->size));
    }
    const bool partial = decision.outcome == RangeOutcome::kPartial;
    const std::uint64_t offset = partial ? decision.range.first : 0;
    const std::uint64_t length = partial ? decision.range.length() : file->size;
    auto reader = handlers_.content.open(*file, offset, length);
    if (!reader) return Response::problem(reader.error(), request);
    downloads_.inc();
    Response response = Response::stream(partial ? 206 : 200,
                                         std::make_shared<ObjectBody>(std::move(*reader), length),
                                         file->content_type);
    response.with_header("ETag", tag)
        .with_header("Accept-Ranges", "bytes")
        .with_header("Content-Disposition",
                     content_disposition(Disposition::kAttachment, file->filename))
        .with_header("Cache-Control", cache)
        // Uploaded content is never interpreted as something else, nor run as a page.
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("Content-Security-Policy", "default-src 'none'; sandbox");
    if (partial) response.with_header("Content-Range", content_range(decision.range, file->size));
    return response;
  }

  Response remove(Request& request) {
    auto user = caller(request);
    if (!user) return Response::problem(user.error(), request);
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto removed = handlers_.remove.handle({*id, *user, origin_of(request)});
    if (!removed) return Response::problem(removed.error(), request);
    return Response::no_content();
  }

 private:
  Error too_large() const {
    return Error(ErrorCode::kTooLarge, "the file exceeds the upload limit of " +
                                           std::to_string(options_.max_bytes) + " bytes");
  }

  // Counts a refused upload by its reason, then answers it.
  Response rejected(const Error& error, const Request& request) {
    registry_
        .counter("file_uploads_rejected_total", "Uploads refused, by reason.",
                 {{"reason", std::string(platform::core::to_string(error.code()))}})
        .inc();
    return Response::body_read_failure(error, request);
  }

  Result<domain::FileMetadata> upload_raw(Request& request, const std::string& user) {
    const auto given = request.query_param("filename");
    if (!given) return Error::invalid_argument("filename", "is required for a raw upload");
    auto filename = domain::sanitise_filename(*given);
    if (!filename) return std::move(filename).error();
    auto upload = spool_body(request, options_);
    if (!upload) return std::move(upload).error();
    return handlers_.upload.handle({*filename, user, origin_of(request)}, std::move(*upload));
  }

  Result<domain::FileMetadata> upload_multipart(Request& request, const std::string& content_type,
                                                const std::string& user) {
    FilePartSpooler spooler(options_);
    auto parser = MultipartParser::create(content_type, spooler);
    if (!parser) return std::move(parser).error();
    std::vector<char> chunk(kReadChunk);
    std::uint64_t total = 0;
    for (;;) {
      auto n = request.body_reader->read(chunk);
      if (!n) return std::move(n).error();
      if (*n == 0) break;
      total += *n;
      if (total > options_.max_bytes + kMaxOtherFieldBytes) return too_large();
      if (auto fed = parser->feed({chunk.data(), *n}); !fed) return fed.error();
    }
    if (auto finished = parser->finish(); !finished) return finished.error();
    if (!spooler.upload()) return Error::invalid_argument("file", "is required");
    return handlers_.upload.handle({spooler.filename(), user, origin_of(request)},
                                   std::move(*spooler.upload()));
  }

  FileHandlers handlers_;
  UploadOptions options_;
  platform::metrics::Counter& uploaded_;
  platform::metrics::Counter& uploaded_bytes_;
  platform::metrics::Counter& downloads_;
  platform::metrics::Registry& registry_;
};

}  // namespace

bool is_user_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxUserBytes || !platform::core::is_valid_utf8(name))
    return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<application::SpooledUpload> spool_body(Request& request, const UploadOptions& options) {
  if (const auto length = request.body_reader->content_length();
      length && *length > options.max_bytes) {
    return Error(ErrorCode::kTooLarge, "the file exceeds the upload limit of " +
                                           std::to_string(options.max_bytes) + " bytes");
  }
  auto spool = application::UploadSpool::create(options.spool_directory, options.max_bytes);
  if (!spool) return std::move(spool).error();
  std::vector<char> chunk(kReadChunk);
  for (;;) {
    auto n = request.body_reader->read(chunk);
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    if (auto written = spool->write({chunk.data(), *n}); !written) return written.error();
  }
  return spool->finish();
}

boost::json::object file_json(const domain::FileMetadata& file) {
  return to_json(file);
}

Response stored_content(const domain::FileMetadata& file, application::OpenContentHandler& content,
                        const Request& request) {
  auto reader = content.open(file, 0, file.size);
  if (!reader) return Response::problem(reader.error(), request);
  return Response::stream(200, std::make_shared<ObjectBody>(std::move(*reader), file.size),
                          file.content_type)
      .with_header("ETag", etag(file))
      .with_header("X-Content-Type-Options", "nosniff");
}

void add_routes(platform::http::Router& router, FileHandlers handlers, UploadOptions options,
                platform::metrics::Registry& registry) {
  auto routes = std::make_shared<Routes>(handlers, std::move(options), registry);
  const auto bind = [routes](auto method) {
    return platform::http::member_handler(routes, method);
  };
  // The service's table of contents.
  router.post_streamed("/files", bind(&Routes::upload))
      .get("/files", bind(&Routes::list))
      .get("/files/{id}", bind(&Routes::get))
      .get("/files/{id}/download-url", bind(&Routes::download_url))
      .get("/files/{id}/content", bind(&Routes::content))
      .del("/files/{id}", bind(&Routes::remove));
}

}  // namespace file_service::api
