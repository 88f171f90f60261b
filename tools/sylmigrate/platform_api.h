// What sylmigrate asks of the platform, through the api-gateway with an admin's token:
// the services' import routes and the reads that verify compares (docs/migration.md).
// Every call is retried while the platform says "not now" (429, 503 with Retry-After, a
// connection refused, a timeout), up to a bound, so that a migration rides out a
// restarting service; what stays wrong is an Error.
//
//   PlatformApi api({.gateway = "http://127.0.0.1:8080", .token = token});
//   auto mapping = api.mapping("subjects");                   // legacy id -> new id
//   auto batch = api.import_batch("subjects", ndjson_lines);  // per-row outcomes
//   auto file = api.import_file(legacy_id, query, path);     // bytes streamed from disk
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/legacy_import.h"
#include "platform/core/result.h"

namespace platform::http {
class Client;
}

namespace sylmigrate {

struct ApiOptions {
  std::string gateway;  // http://host:port
  std::string token;    // a bearer token with the admin role
  int attempts = 8;     // per call, while the platform says "not now"
  std::chrono::milliseconds timeout{120'000};
  std::function<void(const std::string&)> on_retry;  // told each retry's reason
};

// A batch the service refused line by line (422): which lines, and why.
struct RefusedLines {
  std::map<std::size_t, std::string> reasons;  // line number (1-based) -> "field: message"
};

struct BatchOutcome {
  std::vector<platform::core::ImportResult> results;  // when accepted
  std::optional<RefusedLines> refused;                // when refused line by line
};

struct ImportedFileAnswer {
  std::string id;
  std::string outcome;  // created, existing
  std::string sha256;   // as the file-service computed it from what it received
  std::uint64_t size = 0;
  std::string sent_sha256;  // of the bytes sent (when the service read them: created)
};

class PlatformApi {
 public:
  explicit PlatformApi(ApiOptions options);
  ~PlatformApi();
  PlatformApi(const PlatformApi&) = delete;
  PlatformApi& operator=(const PlatformApi&) = delete;

  // The whole legacy id -> new id mapping of `kind` ("subjects", "files", "syllabi").
  platform::core::Result<std::map<std::string, std::string>> mapping(const std::string& kind);

  // POST /api/v1/admin/imports/<kind> with `lines` (each one JSON object).
  platform::core::Result<BatchOutcome> import_batch(const std::string& kind,
                                                    const std::vector<std::string>& lines);

  // PUT /api/v1/admin/imports/files/<legacy id>?<query> with the bytes of `path`, streamed.
  platform::core::Result<ImportedFileAnswer> import_file(const std::string& legacy_id,
                                                         const std::string& query,
                                                         const std::filesystem::path& path);

  // Every item of a listing (GET <path>?limit=..., following next_cursor).
  platform::core::Result<std::vector<boost::json::object>> list_all(const std::string& path,
                                                                    std::size_t page_size);

  // The SHA-256 (hex) of the stored content of the file legacy file `legacy_id` became,
  // read back whole from the file-service.
  platform::core::Result<std::string> stored_sha256(const std::string& legacy_id);

 private:
  struct Reply;
  // One call, retried while the answer or failure is a "not now".
  platform::core::Result<Reply> call(const std::string& method, const std::string& target,
                                     const std::string& content_type, const std::string& body,
                                     const std::filesystem::path* body_file);

  ApiOptions options_;
  std::unique_ptr<platform::http::Client> client_;
};

}  // namespace sylmigrate
