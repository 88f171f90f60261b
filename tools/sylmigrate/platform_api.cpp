#include "platform_api.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>

#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/http/client.h"
#include "platform/http/retry.h"

namespace sylmigrate {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;
using platform::http::describe_answer;

constexpr std::size_t kFileChunk = std::size_t{256} * 1024;

// A file on disk as a request body, hashed as it is read.
class FileBody final : public platform::http::BodySource {
 public:
  FileBody(int descriptor, std::uint64_t size, std::shared_ptr<platform::core::Sha256> hash)
      : descriptor_(descriptor), size_(size), hash_(std::move(hash)) {}
  ~FileBody() override { ::close(descriptor_); }
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;

  std::optional<std::uint64_t> size() const override { return size_; }
  Result<std::size_t> read(std::span<char> buffer) override {
    const std::size_t want = std::min<std::uint64_t>(buffer.size(), size_ - sent_);
    if (want == 0) return std::size_t{0};
    const ssize_t n = ::read(descriptor_, buffer.data(), want);
    if (n <= 0) return Error::unavailable("the file ended before its recorded size");
    sent_ += static_cast<std::uint64_t>(n);
    hash_->update({buffer.data(), static_cast<std::size_t>(n)});
    return static_cast<std::size_t>(n);
  }

 private:
  int descriptor_;
  std::uint64_t size_;
  std::uint64_t sent_ = 0;
  std::shared_ptr<platform::core::Sha256> hash_;
};

// "field: message" for each line a 422 names ("lines[3].subject.code").
RefusedLines refused_lines(const platform::http::PeerProblem& problem) {
  RefusedLines refused;
  for (const auto& error : problem.errors) {
    if (!error.field.starts_with("lines[")) continue;
    const auto close = error.field.find(']');
    std::size_t line = 0;
    for (std::size_t i = 6; i < close && i < error.field.size(); ++i)
      line = line * 10 + static_cast<std::size_t>(error.field[i] - '0');
    const std::string field =
        close + 2 <= error.field.size() ? error.field.substr(close + 2) : std::string();
    std::string& reason = refused.reasons[line];
    reason += (reason.empty() ? "" : "; ") + field + ": " + error.message;
  }
  return refused;
}

// How a call (named in the retry messages, "GET /api/v1/...") is retried while the
// platform says "not now".
platform::http::RetryPolicy retry_policy(const ApiOptions& options, const std::string& call) {
  return {.retry = platform::http::RetryPolicy::Retry::kTransientFailures,
          .max_attempts = options.attempts,
          .max_waiting = std::chrono::hours(1),  // the attempts bound the waiting
          .first_backoff = std::chrono::milliseconds(250),
          .max_backoff = std::chrono::seconds(10),
          .longest_pause = std::chrono::seconds(30),
          .on_retry = [on_retry = options.on_retry, call](const std::string& why,
                                                          std::chrono::milliseconds) {
            if (on_retry) on_retry(call + ": " + why + ", retrying");
          }};
}

}  // namespace

struct PlatformApi::Reply {
  platform::http::ClientResponse response;
  std::string body_sha256;  // of the bytes sent from a file
};

PlatformApi::PlatformApi(ApiOptions options)
    : options_(std::move(options)),
      client_(std::make_unique<platform::http::Client>(
          platform::http::ClientOptions{.request_timeout = options_.timeout,
                                        .max_response_bytes = std::size_t{64} * 1024 * 1024,
                                        .user_agent = "sylmigrate",
                                        .peer_name = "the api-gateway"})) {
  while (!options_.gateway.empty() && options_.gateway.back() == '/') options_.gateway.pop_back();
}

PlatformApi::~PlatformApi() = default;

Result<PlatformApi::Reply> PlatformApi::call(const std::string& method, const std::string& target,
                                             const std::string& content_type,
                                             const std::string& body,
                                             const std::filesystem::path* body_file) {
  // A file's bytes are hashed as they are sent: the hash of the attempt that got through.
  std::shared_ptr<platform::core::Sha256> hash;
  bool unreadable = false;  // the file could not be opened: nothing was sent
  const auto make_request = [&]() -> Result<platform::http::ClientRequest> {
    platform::http::ClientRequest request{.method = method, .url = options_.gateway + target};
    request.headers.set("Authorization", "Bearer " + options_.token);
    if (!content_type.empty()) request.headers.set("Content-Type", content_type);
    hash = std::make_shared<platform::core::Sha256>();
    if (body_file != nullptr) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(*body_file, ec);
      const int descriptor = ec ? -1 : ::open(body_file->c_str(), O_RDONLY | O_CLOEXEC);
      if (descriptor < 0) {
        unreadable = true;
        return Error::unavailable("cannot read " + body_file->string());
      }
      request.body_source = std::make_shared<FileBody>(descriptor, size, hash);
    } else {
      request.body = body;
    }
    return request;
  };
  int attempts = 0;
  const auto policy = retry_policy(options_, method + " " + target);
  auto response = platform::http::send_with_retries(
      *client_, make_request, {.timeout = options_.timeout}, policy, &attempts);
  if (unreadable) return std::move(response).error();
  const bool not_now = platform::http::is_not_now(response, policy);
  if (!response && !not_now) return std::move(response).error();
  if (not_now) {
    return Error::unavailable(method + " " + target + " failed " + std::to_string(attempts) +
                              " times; the last: " + describe_answer(response));
  }
  return Reply{std::move(*response), hash->finish_hex()};
}

Result<std::map<std::string, std::string>> PlatformApi::mapping(const std::string& kind) {
  std::map<std::string, std::string> mapping;
  std::optional<std::string> after;
  for (;;) {
    std::string target = "/api/v1/admin/imports/" + kind + "?limit=1000";
    if (after) target += "&after=" + platform::core::percent_encode(*after);
    auto reply = call("GET", target, "", "", nullptr);
    if (!reply) return std::move(reply).error();
    if (reply->response.status != 200)
      return Error::unavailable("the " + kind + " mapping: " + describe_answer(reply->response));
    boost::system::error_code ec;
    const auto page = boost::json::parse(reply->response.body, ec);
    if (ec || !page.is_object()) return Error::internal("the " + kind + " mapping is not JSON");
    for (const auto& item : page.at("items").as_array()) {
      mapping[std::string(item.at("legacy_id").as_string())] =
          std::string(item.at("id").as_string());
    }
    const auto& next = page.at("next");
    if (!next.is_string()) return mapping;
    after = std::string(next.get_string());
  }
}

Result<BatchOutcome> PlatformApi::import_batch(const std::string& kind,
                                               const std::vector<std::string>& lines) {
  std::string body;
  for (const auto& line : lines) body += line + "\n";
  auto reply = call("POST", "/api/v1/admin/imports/" + kind, "application/x-ndjson", body, nullptr);
  if (!reply) return std::move(reply).error();
  const auto& response = reply->response;
  if (response.status == 422) {
    if (const auto problem = response.problem()) {
      auto refused = refused_lines(*problem);
      if (!refused.reasons.empty()) return BatchOutcome{{}, std::move(refused)};
    }
  }
  if (response.status != 200)
    return Error::unavailable("importing " + kind + ": " + describe_answer(response));
  BatchOutcome outcome;
  const auto answer = boost::json::parse(response.body).as_object();
  for (const auto& item : answer.at("results").as_array()) {
    const auto& row = item.as_object();
    platform::core::ImportResult result{.legacy_id = std::string(row.at("legacy_id").as_string())};
    const std::string verdict(row.at("outcome").as_string());
    result.outcome = verdict == "created"    ? platform::core::ImportOutcome::kCreated
                     : verdict == "existing" ? platform::core::ImportOutcome::kExisting
                                             : platform::core::ImportOutcome::kConflict;
    if (const auto* id = row.if_contains("id")) result.id = std::string(id->as_string());
    if (const auto* detail = row.if_contains("detail"))
      result.detail = std::string(detail->as_string());
    outcome.results.push_back(std::move(result));
  }
  return outcome;
}

Result<ImportedFileAnswer> PlatformApi::import_file(const std::string& legacy_id,
                                                    const std::string& query,
                                                    const std::filesystem::path& path) {
  auto reply = call("PUT", "/api/v1/admin/imports/files/" + legacy_id + "?" + query,
                    "application/octet-stream", "", &path);
  if (!reply) return std::move(reply).error();
  const auto& response = reply->response;
  if (response.status != 200 && response.status != 201) {
    const auto problem = response.problem();
    return Error(response.status == 415 || response.status == 413 || response.status == 422
                     ? ErrorCode::kInvalidArgument
                     : ErrorCode::kUnavailable,
                 problem ? (problem->detail.empty() ? problem->title : problem->detail)
                         : describe_answer(response));
  }
  const auto file = boost::json::parse(response.body).as_object();
  return ImportedFileAnswer{.id = std::string(file.at("id").as_string()),
                            .outcome = std::string(file.at("outcome").as_string()),
                            .sha256 = std::string(file.at("sha256").as_string()),
                            .size = file.at("size").to_number<std::uint64_t>(),
                            .sent_sha256 = reply->body_sha256};
}

Result<std::vector<boost::json::object>> PlatformApi::list_all(const std::string& path,
                                                               std::size_t page_size) {
  std::vector<boost::json::object> items;
  std::optional<std::string> cursor;
  for (;;) {
    std::string target = path + "?limit=" + std::to_string(page_size);
    if (cursor) target += "&cursor=" + platform::core::percent_encode(*cursor);
    auto reply = call("GET", target, "", "", nullptr);
    if (!reply) return std::move(reply).error();
    if (reply->response.status != 200)
      return Error::unavailable("listing " + path + ": " + describe_answer(reply->response));
    auto page = boost::json::parse(reply->response.body).as_object();
    for (auto& item : page.at("items").as_array()) items.push_back(std::move(item.as_object()));
    const auto& next = page.at("next_cursor");
    if (!next.is_string()) return items;
    cursor = std::string(next.get_string());
  }
}

Result<std::string> PlatformApi::stored_sha256(const std::string& legacy_id) {
  // Streamed, so not through call(): its retries, for a "not now", are these.
  const std::string target = "/api/v1/admin/imports/files/" + legacy_id + "/content";
  auto response = platform::http::send_with_retries(
      *client_,
      [&]() -> Result<platform::http::ClientRequest> {
        platform::http::ClientRequest request{.method = "GET", .url = options_.gateway + target};
        request.headers.set("Authorization", "Bearer " + options_.token);
        return request;
      },
      {.timeout = options_.timeout, .stream_response = true},
      retry_policy(options_, "GET " + target));
  if (!response) return std::move(response).error();
  if (response->status != 200)
    return Error::unavailable("the stored content of legacy file " + legacy_id + ": " +
                              describe_answer(*response));
  platform::core::Sha256 hash;
  if (!response->body_stream) {
    hash.update(response->body);
    return hash.finish_hex();
  }
  std::vector<char> chunk(kFileChunk);
  for (;;) {
    auto n = response->body_stream->read(chunk);
    if (!n) return std::move(n).error();
    if (*n == 0) break;
    hash.update({chunk.data(), *n});
  }
  return hash.finish_hex();
}

}  // namespace sylmigrate
