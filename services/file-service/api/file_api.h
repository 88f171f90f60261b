// The file-service's HTTP API: its route table and one thin handler per route.
// A handler parses the request, calls one command or query, and maps the result.
//
//   GET    /files?limit=&cursor=       metadata of all files, a page at a time (id order)
//   POST   /files                      upload (multipart/form-data field "file", or a raw
//                                      body with ?filename=), streamed to a spool file
//   GET    /files/{id}                 metadata
//   GET    /files/{id}/download-url    a signed, short-lived URL for the content
//   GET    /files/{id}/content         the bytes, for a signed URL only (Range, ETag)
//   DELETE /files/{id}                 metadata, then bytes
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "application/create_download_url.h"
#include "application/delete_file.h"
#include "application/get_file.h"
#include "application/list_files.h"
#include "application/open_content.h"
#include "application/upload_file.h"
#include "platform/http/router.h"
#include "platform/metrics/registry.h"

namespace file_service::api {

struct FileHandlers {
  application::UploadFileHandler& upload;
  application::DeleteFileHandler& remove;
  application::GetFileHandler& get;
  application::CreateDownloadUrlHandler& download_url;
  application::OpenContentHandler& content;
  application::ListFilesHandler& list;
};

struct UploadOptions {
  std::uint64_t max_bytes = std::uint64_t{50} * 1024 * 1024;
  std::filesystem::path spool_directory;
  std::int64_t default_ttl_seconds = 300;
};

// The raw body of `request` spooled to disk (its type, size and SHA-256 known): 413 over
// options.max_bytes, before a byte is read when the length is declared.
platform::core::Result<application::SpooledUpload> spool_body(platform::http::Request& request,
                                                              const UploadOptions& options);

// Who uploaded a file, as the service keeps it: 1 to 200 bytes of UTF-8 without control
// characters.
bool is_user_name(std::string_view name);

// A file's metadata as the API shows it.
boost::json::object file_json(const domain::FileMetadata& file);

// A stored file's whole content, streamed (sendfile from the local backend).
platform::http::Response stored_content(const domain::FileMetadata& file,
                                        application::OpenContentHandler& content,
                                        const platform::http::Request& request);

// Adds the file routes to `router`.
void add_routes(platform::http::Router& router, FileHandlers handlers, UploadOptions options,
                platform::metrics::Registry& registry);

}  // namespace file_service::api
