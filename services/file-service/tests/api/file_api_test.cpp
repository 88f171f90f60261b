// The file-service over real HTTP: the built binary, started per test on SQLite and on
// PostgreSQL, with the local disk backend and with S3 (a real S3-compatible server,
// SYLTEST_S3_URL), driven by a raw client. Every (method, route, status) seen here must be
// in the service's OpenAPI document (checked when the test program ends).
#include "api/file_api.h"

#include <gtest/gtest.h>
#include <utime.h>

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <thread>

#include "api/import_api.h"
#include "api/openapi.h"
#include "infrastructure/local_file_storage.h"
#include "infrastructure/s3/s3_file_storage.h"
#include "infrastructure/sql_file_repository.h"
#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/events/event.h"
#include "platform/events/redis.h"
#include "platform/http/health.h"
#include "platform/http/identity.h"
#include "platform/service/openapi.h"
#include "platform/testing/gateway_in_front.h"
#include "platform/testing/http_client.h"
#include "platform/testing/openapi_coverage.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "platform/testing/test_database.h"

namespace file_service {
namespace {

using platform::testing::HeaderList;
using platform::testing::HttpResponse;
using platform::testing::RawConnection;
using platform::testing::ServiceProcess;
using platform::testing::TestBackend;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// --- the OpenAPI document must describe every answer the service gave -------------------

std::string route_of(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  if (path.starts_with("/files/")) {
    if (path.ends_with("/download-url")) return "/files/{id}/download-url";
    if (path.ends_with("/content")) return "/files/{id}/content";
    return "/files/{id}";
  }
  if (path.starts_with("/admin/imports/files/")) {
    return path.ends_with("/content") ? "/admin/imports/files/{legacy_id}/content"
                                      : "/admin/imports/files/{legacy_id}";
  }
  return path;
}

platform::testing::OpenApiCoverage& coverage =
    platform::testing::OpenApiCoverage::install(api::openapi_document(), route_of);

// --- sample contents --------------------------------------------------------------------

std::string pdf_bytes(std::size_t size = 2000) {
  std::string content = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n";
  std::mt19937 random(7);
  while (content.size() < size - 6) content.push_back(static_cast<char>('a' + random() % 26));
  return content + "\n%%EOF";
}

std::string elf_bytes() {
  std::string content(
      "\x7f"
      "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
      16);
  content.append(1000, '\x90');
  return content;
}

std::string png_bytes() {
  std::string content("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", 29);
  content.append(64, '\0');
  return content;
}

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}

std::string multipart(const std::string& boundary, const std::string& filename,
                      const std::string& content,
                      const std::string& content_type = "application/octet-stream") {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n" +
         "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
         filename + "\"\r\nContent-Type: " + content_type + "\r\n\r\n" + content + "\r\n--" +
         boundary + "--\r\n";
}

constexpr const char* kBoundary = "XyZzy-0123456789";
// The gateway's identity key the service is started with (32 bytes, base64).
constexpr std::string_view kIdentityKeys = "gw1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const HeaderList kMultipartHeaders = {
    {"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};

// --- fixture ----------------------------------------------------------------------------

struct Variant {
  TestBackend database;
  bool s3;
};

// How GoogleTest prints a Variant in test names and failures.
void PrintTo(const Variant& variant, std::ostream* out) {
  *out << (variant.database == TestBackend::kSqlite ? "SQLite" : "PostgreSQL") << " with "
       << (variant.s3 ? "S3" : "the local disk");
}

std::string variant_name(const ::testing::TestParamInfo<Variant>& info) {
  return std::string(info.param.database == TestBackend::kSqlite ? "Sqlite" : "Postgresql") +
         (info.param.s3 ? "S3" : "LocalDisk");
}

std::string s3_server_url() {
  const char* url = std::getenv("SYLTEST_S3_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "SYLTEST_S3_URL is not set: run the tests with scripts/test.sh, which starts a "
        "throwaway S3-compatible server");
  }
  return url;
}

class FileApiTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    if (GetParam().s3) {
      bucket_ = "files-" + platform::core::Uuid::v4().to_string().substr(0, 13);
      s3_url_ = s3_server_url();
    }
    start();
  }

  platform::testing::Environment environment(platform::testing::Environment extra) {
    platform::testing::Environment env{
        {"SYL_HTTP_PORT", "0"},
        {"SYL_DATABASE_URL", database_.url()},
        {"SYL_REDIS_URL", platform::testing::redis_server_url()},
        {"SYL_HTTP_READ_TIMEOUT_MS", "2000"},
        {"SYL_GATEWAY_IDENTITY_KEYS", std::string(kIdentityKeys)},
        {"SYL_STORAGE_LOCAL_ROOT", root().string()},
        {"SYL_SIGNING_KEYS", std::string("k2:") + std::string(44, 'B') +
                                 ",k1:" + std::string(44, 'A') + ":2020-01-01T00:00:00Z"}};
    if (GetParam().s3) {
      env.insert(env.end(), {{"SYL_STORAGE_BACKEND", "s3"},
                             {"SYL_STORAGE_S3_ENDPOINT", s3_url_},
                             {"SYL_STORAGE_S3_BUCKET", bucket_},
                             {"SYL_STORAGE_S3_ACCESS_KEY_ID", "S3RVER"},
                             {"SYL_STORAGE_S3_SECRET_ACCESS_KEY", "S3RVER"},
                             {"SYL_STORAGE_S3_CREATE_BUCKET", "true"}});
    }
    for (auto& [name, value] : extra) {
      bool replaced = false;
      for (auto& entry : env) {
        if (entry.first == name) entry.second = value, replaced = true;
      }
      if (!replaced) env.emplace_back(name, value);
    }
    return env;
  }

  void start(platform::testing::Environment extra = {}) {
    service_ = std::make_unique<ServiceProcess>(FILE_SERVICE_BINARY, environment(std::move(extra)));
    // The `.through_gateway` run: the same suite with the api-gateway in front, trusted by
    // the service with the same identity keys.
    gateway_.reset();
    if (platform::testing::through_gateway()) {
      gateway_ = std::make_unique<platform::testing::GatewayInFront>(
          std::vector<platform::testing::GatewayRoute>{{"/files", service_->port()}},
          std::string(kIdentityKeys));
    }
  }
  void restart(platform::testing::Environment extra) {
    EXPECT_EQ(service_->terminate(), 0);
    start(std::move(extra));
  }

  fs::path root() const { return directory_.path() / "files"; }
  // Where the local backend keeps `key`'s bytes.
  fs::path service_object(const std::string& key) const {
    return root() / "objects" / key.substr(key.size() - 2) / key;
  }

  // The headers the gateway adds for `user`: its identity, signed for this request.
  static HeaderList as_user(const std::string& user, const std::string& roles = "editor") {
    static const auto keys = platform::http::IdentityKeys::parse(kIdentityKeys);
    const std::string request_id = platform::testing::unique_name("req");
    platform::http::Caller caller{.user_id = user, .roles = {roles}};
    return {{"X-Request-ID", request_id},
            {"X-User-ID", user},
            {"X-User-Roles", roles},
            {"X-User-Signature",
             platform::http::sign_identity(*keys, caller, request_id, std::time(nullptr))}};
  }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "", const HeaderList& headers = {}) {
    // Through the gateway in the `.through_gateway` run; the service's operational
    // endpoints are always its own.
    const bool api = target.starts_with("/files");
    HttpResponse response =
        gateway_ && api
            ? platform::testing::http_request(gateway_->port(), method, target, body,
                                              gateway_->authorize(headers))
            : platform::testing::http_request(service_->port(), method, target, body, headers);
    coverage.record(method, target, response.status);
    return response;
  }

  HttpResponse upload(const std::string& filename, const std::string& content,
                      HeaderList headers = kMultipartHeaders) {
    return call("POST", "/files", multipart(kBoundary, filename, content), headers);
  }

  boost::json::object upload_ok(const std::string& filename, const std::string& content) {
    HttpResponse response = upload(filename, content);
    EXPECT_EQ(response.status, 201) << response.body;
    return json_of(response);
  }

  std::string download_url(const std::string& id, const std::string& query = "") {
    HttpResponse response = call("GET", "/files/" + id + "/download-url" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return std::string(json_of(response).at("url").as_string());
  }

  // The objects the storage backend holds, read straight from the backend.
  std::vector<std::string> stored_keys() {
    std::unique_ptr<application::FileStorage> storage;
    if (GetParam().s3) {
      auto s3 = infrastructure::s3::S3FileStorage::create({.endpoint = s3_url_,
                                                           .bucket = bucket_,
                                                           .access_key_id = "S3RVER",
                                                           .secret_access_key = "S3RVER"});
      EXPECT_TRUE(s3);
      storage = std::move(*s3);
    } else {
      storage = std::make_unique<infrastructure::LocalFileStorage>(root());
    }
    auto objects = storage->list();
    EXPECT_TRUE(objects) << objects.error().log_detail();
    std::vector<std::string> keys;
    for (const auto& object : *objects) keys.push_back(object.key);
    return keys;
  }

  // Spool files left behind (uploads in progress or abandoned).
  std::size_t spool_files() {
    std::size_t count = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root() / "tmp", ec)) {
      (void)entry;
      ++count;
    }
    return count;
  }

  static void expect_problem(const HttpResponse& response, int status) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json") << response.body;
    if (response.header("Content-Type") != "application/problem+json") return;
    const auto problem = json_of(response);
    EXPECT_EQ(problem.at("status").as_int64(), status);
  }

  // Nothing stored: no object, no spool file, and the service still answers.
  void expect_nothing_kept() {
    // A refused upload's spool file goes when its handler returns, which may be a moment
    // after the client read the answer.
    for (int i = 0; i < 100 && spool_files() > 0; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(spool_files(), 0U);
    EXPECT_TRUE(stored_keys().empty());
    EXPECT_EQ(call("GET", "/health/live").status, 200);
  }

  platform::testing::TemporaryDirectory directory_;
  platform::testing::TestDatabase database_{GetParam().database};
  std::string bucket_;
  std::string s3_url_;
  std::unique_ptr<ServiceProcess> service_;
  std::unique_ptr<platform::testing::GatewayInFront> gateway_;
};

// --- bulk import from the legacy system -------------------------------------------------

TEST_P(FileApiTest, ImportStoresALegacyFileOnceWithItsNameUploaderAndTime) {
  const std::string content = pdf_bytes(7000);
  const std::string target =
      "/admin/imports/files/42?filename=Syllabus%20CS%20101.pdf&uploaded_by=jnovak"
      "&created_at=2018-03-04T05:06:07Z";
  const auto admin = as_user("migrator", "admin");

  HttpResponse created = call("PUT", target, content, admin);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto file = json_of(created);
  EXPECT_EQ(file.at("legacy_id").as_string(), "42");
  EXPECT_EQ(file.at("outcome").as_string(), "created");
  EXPECT_EQ(file.at("sha256").as_string(), platform::core::sha256_hex(content));
  const std::string id(file.at("id").as_string());
  const auto stored = json_of(call("GET", "/files/" + id));
  EXPECT_EQ(stored.at("filename").as_string(), "Syllabus CS 101.pdf");
  EXPECT_EQ(stored.at("uploaded_by").as_string(), "jnovak");
  EXPECT_EQ(stored.at("created_at").as_string(), "2018-03-04T05:06:07.000000Z");
  EXPECT_EQ(stored.at("size").as_int64(), 7000);

  // Again, as a resumed migration does: the same file, nothing stored twice.
  HttpResponse again = call("PUT", target, content, as_user("migrator", "admin"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_of(again).at("outcome").as_string(), "existing");
  EXPECT_EQ(json_of(again).at("id").as_string(), id);
  EXPECT_EQ(stored_keys().size(), 1u);

  HttpResponse bytes =
      call("GET", "/admin/imports/files/42/content", "", as_user("migrator", "admin"));
  ASSERT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.body, content);
  expect_problem(call("GET", "/admin/imports/files/43/content", "", as_user("migrator", "admin")),
                 404);
  expect_problem(call("GET", "/admin/imports/files/42/content", "", as_user("migrator", "editor")),
                 403);

  HttpResponse mapping = call("GET", "/admin/imports/files", "", as_user("migrator", "admin"));
  ASSERT_EQ(mapping.status, 200) << mapping.body;
  const auto page = json_of(mapping);
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(page.at("items").as_array()[0].at("id").as_string(), id);
}

TEST_P(FileApiTest, ImportRefusesBadParametersTypesAndNonAdminsKeepingNothing) {
  const std::string good =
      "/admin/imports/files/7?filename=a.pdf&uploaded_by=x"
      "&created_at=2018-03-04T05:06:07Z";

  HttpResponse bad = call("PUT", "/admin/imports/files/7?filename=a.pdf&created_at=yesterday",
                          pdf_bytes(), as_user("migrator", "admin"));
  expect_problem(bad, 422);
  std::set<std::string> fields;
  const auto problem = json_of(bad);
  for (const auto& error : problem.at("errors").as_array())
    fields.insert(std::string(error.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"uploaded_by", "created_at"}));
  expect_problem(call("PUT", good, "MZ\x90\x00 an executable", as_user("migrator", "admin")), 415);
  expect_problem(call("PUT", good, pdf_bytes(), as_user("migrator", "editor")), 403);
  expect_problem(call("PUT", good, pdf_bytes()), 403);
  expect_problem(call("GET", "/admin/imports/files"), 403);
  expect_nothing_kept();
}

// --- upload -----------------------------------------------------------------------------

TEST_P(FileApiTest, MultipartUploadStoresTheFileWithItsMetadata) {
  const std::string content = pdf_bytes(5000);
  HeaderList headers = as_user("alice");
  headers.push_back(kMultipartHeaders[0]);
  HttpResponse response =
      call("POST", "/files", multipart(kBoundary, "Syllabus 2026.pdf", content), headers);
  ASSERT_EQ(response.status, 201) << response.body;
  const auto file = json_of(response);
  const std::string id(file.at("id").as_string());
  EXPECT_EQ(file.at("filename").as_string(), "Syllabus 2026.pdf");
  EXPECT_EQ(file.at("content_type").as_string(), "application/pdf");
  EXPECT_EQ(file.at("size").as_int64(), 5000);
  EXPECT_EQ(file.at("sha256").as_string(), platform::core::sha256_hex(content));
  EXPECT_EQ(file.at("uploaded_by").as_string(), "alice");
  EXPECT_FALSE(file.contains("storage_key"));
  EXPECT_EQ(response.header("Location"), "/files/" + id);
  EXPECT_EQ(response.header("ETag"), "\"" + platform::core::sha256_hex(content) + "\"");

  HttpResponse metadata = call("GET", "/files/" + id);
  EXPECT_EQ(metadata.status, 200);
  EXPECT_EQ(json_of(metadata), file);
  EXPECT_EQ(call("GET", "/files/" + id, "", {{"If-None-Match", response.header("ETag")}}).status,
            304);
  EXPECT_EQ(stored_keys(), std::vector<std::string>{id});
  EXPECT_EQ(spool_files(), 0U);
}

TEST_P(FileApiTest, RawUploadTakesTheFilenameFromTheQuery) {
  const std::string content = "# Week 1\n\nIntroduction, *grading* and ünïcödé.\n";
  HttpResponse response =
      call("POST", "/files?filename=week%201.md", content, {{"Content-Type", "text/markdown"}});
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(json_of(response).at("filename").as_string(), "week 1.md");
  EXPECT_EQ(json_of(response).at("content_type").as_string(), "text/markdown; charset=utf-8");

  expect_problem(call("POST", "/files", content, {{"Content-Type", "text/markdown"}}), 422);
  // Without a Content-Type the body cannot be told from a form.
  expect_problem(call("POST", "/files?filename=a.md", content, {{"Content-Type", ""}}), 415);
}

TEST_P(FileApiTest, TheTypeComesFromTheBytesNotTheClientsWord) {
  // A PNG called .pdf and declared as a PDF is stored as the PNG it is.
  HttpResponse png =
      call("POST", "/files", multipart(kBoundary, "scan.pdf", png_bytes(), "application/pdf"),
           kMultipartHeaders);
  ASSERT_EQ(png.status, 201) << png.body;
  EXPECT_EQ(json_of(png).at("content_type").as_string(), "image/png");
  // An executable renamed .pdf is refused, and nothing of it is kept.
  expect_problem(upload("invoice.pdf", elf_bytes()), 415);
  expect_problem(upload("run.txt", "#!/bin/sh\nrm -rf /\n"), 415);
  expect_problem(upload("binary.txt", std::string("text\0with a NUL", 15)), 415);
  EXPECT_EQ(stored_keys().size(), 1U);
}

TEST_P(FileApiTest, HostileFilenamesAreSanitisedOrRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"../../etc/passwd", "passwd"},
      {"..\\\\x.txt", "x.txt"},
      {"/abs/path/notes.txt", "notes.txt"},
      {"C:\\\\Users\\\\a\\\\plan.txt", "plan.txt"},
  };
  for (const auto& [given, kept] : cases) {
    HttpResponse response = upload(given, "plain text\n");
    ASSERT_EQ(response.status, 201) << given << ": " << response.body;
    EXPECT_EQ(json_of(response).at("filename").as_string(), kept) << given;
  }
  // Control characters go; NUL, names that are only dots, and invalid UTF-8 are refused.
  HttpResponse control =
      call("POST", "/files?filename=a%01b%1Bc.txt", "text\n", {{"Content-Type", "text/plain"}});
  ASSERT_EQ(control.status, 201) << control.body;
  EXPECT_EQ(json_of(control).at("filename").as_string(), "abc.txt");
  for (const std::string name : {"a%00.txt", "..", "%2E%2E%2F", "%FF%FE.txt", ""}) {
    HttpResponse refused =
        call("POST", "/files?filename=" + name, "text\n", {{"Content-Type", "text/plain"}});
    expect_problem(refused, 422);
  }
  EXPECT_EQ(stored_keys().size(), cases.size() + 1);
}

TEST_P(FileApiTest, OversizedUploadsAreRefusedAndNothingIsKept) {
  restart({{"SYL_UPLOAD_MAX_BYTES", "100000"}});
  // A declared length over the limit: refused before any byte of the body is read.
  HttpResponse declared = call("POST", "/files?filename=big.pdf", pdf_bytes(200'000),
                               {{"Content-Type", "application/pdf"}});
  expect_problem(declared, 413);
  // A chunked body gives no length: refused while it streams in, once past the limit.
  auto connection = RawConnection::connect(service_->port());
  connection.send(
      "POST /files HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: " +
      std::string("multipart/form-data; boundary=") + kBoundary + "\r\n\r\n");
  const std::string body = multipart(kBoundary, "big.pdf", pdf_bytes(300'000));
  std::thread sender([&] {
    for (std::size_t at = 0; at < body.size(); at += 16384) {
      const std::string piece = body.substr(at, 16384);
      std::ostringstream size;
      size << std::hex << piece.size();
      if (!connection.send_allow_error(size.str() + "\r\n" + piece + "\r\n")) return;
    }
    connection.send_allow_error("0\r\n\r\n");
  });
  HttpResponse streamed = connection.read_response();
  sender.join();
  coverage.record("POST", "/files", streamed.status);
  expect_problem(streamed, 413);
  EXPECT_EQ(streamed.header("Connection"), "close");
  // Just under the limit is fine.
  EXPECT_EQ(upload("fits.pdf", pdf_bytes(99'000)).status, 201);
  EXPECT_EQ(stored_keys().size(), 1U);
}

TEST_P(FileApiTest, TruncatedUploadsLeaveNothingBehind) {
  {
    // The client goes away half-way through its declared body.
    auto connection = RawConnection::connect(service_->port());
    const std::string body = multipart(kBoundary, "half.pdf", pdf_bytes(400'000));
    connection.send(
        "POST /files HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
        "boundary=" +
        std::string(kBoundary) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
        body.substr(0, body.size() / 2));
    std::this_thread::sleep_for(100ms);
  }
  // A body that ends without its closing boundary is malformed.
  const std::string body = multipart(kBoundary, "cut.pdf", pdf_bytes());
  expect_problem(call("POST", "/files", body.substr(0, body.size() - 30), kMultipartHeaders), 400);
  // A stalled client times out (SYL_HTTP_READ_TIMEOUT_MS=2000) with 408.
  auto stalled = RawConnection::connect(service_->port());
  stalled.send(
      "POST /files?filename=slow.txt HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
      "Content-Length: 1000\r\n\r\nsome text");
  HttpResponse timed_out = stalled.read_response(10s);
  coverage.record("POST", "/files", timed_out.status);
  expect_problem(timed_out, 408);
  expect_nothing_kept();
}

TEST_P(FileApiTest, MalformedMultipartBodiesAreRefused) {
  // No boundary parameter; a form without a file field; a file field without a filename.
  expect_problem(call("POST", "/files", "x", {{"Content-Type", "multipart/form-data"}}), 400);
  const std::string no_file = "--" + std::string(kBoundary) +
                              "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--" +
                              kBoundary + "--\r\n";
  expect_problem(call("POST", "/files", no_file, kMultipartHeaders), 422);
  const std::string no_name = "--" + std::string(kBoundary) +
                              "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nhi\r\n--" +
                              kBoundary + "--\r\n";
  expect_problem(call("POST", "/files", no_name, kMultipartHeaders), 422);
  expect_problem(upload("empty.txt", ""), 422);
  expect_nothing_kept();
}

TEST_P(FileApiTest, TwentyConcurrentUploadsAreAllStored) {
  constexpr int kUploads = 20;
  std::vector<std::future<HttpResponse>> responses;
  for (int i = 0; i < kUploads; ++i) {
    responses.push_back(std::async(std::launch::async, [this, i] {
      return platform::testing::http_request(
          service_->port(), "POST", "/files",
          multipart(kBoundary, "doc-" + std::to_string(i) + ".pdf", pdf_bytes(300'000 + i)),
          kMultipartHeaders);
    }));
  }
  std::set<std::string> ids;
  for (int i = 0; i < kUploads; ++i) {
    HttpResponse response = responses[i].get();
    coverage.record("POST", "/files", response.status);
    ASSERT_EQ(response.status, 201) << response.body;
    const auto file = json_of(response);
    EXPECT_EQ(file.at("size").as_int64(), 300'000 + i);
    EXPECT_EQ(file.at("sha256").as_string(), platform::core::sha256_hex(pdf_bytes(300'000 + i)));
    ids.emplace(file.at("id").as_string());
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kUploads));
  EXPECT_EQ(stored_keys().size(), static_cast<std::size_t>(kUploads));
  for (const auto& id : ids) {
    HttpResponse content = call("GET", download_url(id));
    EXPECT_EQ(content.status, 200);
    EXPECT_EQ(content.header("ETag"), "\"" + platform::core::sha256_hex(content.body) + "\"");
  }
}

// --- who uploads -------------------------------------------------------------------------

TEST_P(FileApiTest, AnIdentityTheGatewayDidNotSignIsIgnored) {
  HeaderList forged = {kMultipartHeaders[0], {"X-User-ID", "mallory"}};
  HttpResponse response =
      call("POST", "/files", multipart(kBoundary, "a.pdf", pdf_bytes()), forged);
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(json_of(response).at("uploaded_by").as_string(), "anonymous");
}

TEST_P(FileApiTest, AnIdentityHeaderSentTwiceIsRefused) {
  HeaderList twice = as_user("alice");
  twice.emplace_back("X-User-ID", "mallory");
  twice.push_back(kMultipartHeaders[0]);
  // The service's side of the identity contract, asked directly: a gateway in front
  // removes whatever X-User-* a client sends, however many.
  HttpResponse response = platform::testing::http_request(
      service_->port(), "POST", "/files", multipart(kBoundary, "a.pdf", pdf_bytes()), twice);
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(stored_keys().empty());
}

// --- signed download URLs ---------------------------------------------------------------

TEST_P(FileApiTest, ASignedUrlServesTheContentWithItsHeaders) {
  const std::string content = pdf_bytes(3'000'000);
  const auto file = upload_ok("Prüfungsordnung Ü1 final.pdf", content);
  const std::string id(file.at("id").as_string());
  HttpResponse link = call("GET", "/files/" + id + "/download-url?ttl=120");
  ASSERT_EQ(link.status, 200);
  const auto body = json_of(link);
  const std::string url(body.at("url").as_string());
  EXPECT_TRUE(url.starts_with("/files/" + id + "/content?")) << url;
  const auto expires_at = platform::core::parse_rfc3339(body.at("expires_at").as_string());
  ASSERT_TRUE(expires_at.has_value());
  const auto lifetime = *expires_at - platform::core::now_utc();
  EXPECT_GT(lifetime, 110s);
  EXPECT_LE(lifetime, 121s);

  HttpResponse response = call("GET", url);
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body == content);
  EXPECT_EQ(response.header("Content-Type"), "application/pdf");
  EXPECT_EQ(response.header("Content-Length"), std::to_string(content.size()));
  EXPECT_EQ(response.header("ETag"), "\"" + platform::core::sha256_hex(content) + "\"");
  EXPECT_EQ(response.header("Accept-Ranges"), "bytes");
  EXPECT_EQ(response.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(response.header("Content-Disposition"),
            "attachment; filename=\"Pr_fungsordnung _1 final.pdf\"; "
            "filename*=UTF-8''Pr%C3%BCfungsordnung%20%C3%9C1%20final.pdf");
  // HEAD answers the same head without the body.
  auto connection = RawConnection::connect(service_->port());
  connection.send(platform::testing::format_request("HEAD", url));
  HttpResponse head = connection.read_response(10s, true);
  coverage.record("HEAD", url, head.status);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(content.size()));
  // The ETag answers a conditional request.
  EXPECT_EQ(call("GET", url, "", {{"If-None-Match", response.header("ETag")}}).status, 304);
}

TEST_P(FileApiTest, TamperedExpiredAndForeignSignaturesAreRefused) {
  const std::string first(upload_ok("a.pdf", pdf_bytes()).at("id").as_string());
  const std::string second(upload_ok("b.pdf", pdf_bytes(3000)).at("id").as_string());
  const std::string url = download_url(first);
  const std::string query = url.substr(url.find('?'));
  EXPECT_EQ(call("GET", url).status, 200);

  // Tampered signature, expiry, or key id.
  std::string tampered = url;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  expect_problem(call("GET", tampered), 403);
  const auto expires_at = url.find("expires=") + 8;
  std::string later = url;
  later[expires_at + 5] = later[expires_at + 5] == '9' ? '8' : '9';
  expect_problem(call("GET", later), 403);
  std::string other_key = url;
  other_key.replace(other_key.find("kid=k2"), 6, "kid=k1");
  expect_problem(call("GET", other_key), 403);  // k1 is past its grace period
  // Another file's path with this file's signature.
  expect_problem(call("GET", "/files/" + second + "/content" + query), 403);
  // No signature at all, or a malformed id.
  expect_problem(call("GET", "/files/" + first + "/content"), 403);
  expect_problem(call("GET", "/files/not-an-id/content" + query), 403);
  // Expired: a one-second link, two seconds later.
  const std::string short_lived = download_url(first, "?ttl=1");
  std::this_thread::sleep_for(2100ms);
  HttpResponse expired = call("GET", short_lived);
  expect_problem(expired, 403);
  EXPECT_NE(json_of(expired).at("detail").as_string().find("expired"), std::string::npos)
      << expired.body;
}

TEST_P(FileApiTest, DownloadUrlLifetimesAreCheckedAndCapped) {
  const std::string id(upload_ok("a.pdf", pdf_bytes()).at("id").as_string());
  expect_problem(call("GET", "/files/" + id + "/download-url?ttl=abc"), 400);
  expect_problem(call("GET", "/files/" + id + "/download-url?ttl=0"), 422);
  HttpResponse capped = call("GET", "/files/" + id + "/download-url?ttl=999999");
  ASSERT_EQ(capped.status, 200);
  const auto expires_at =
      platform::core::parse_rfc3339(json_of(capped).at("expires_at").as_string());
  ASSERT_TRUE(expires_at.has_value());
  EXPECT_LE(*expires_at - platform::core::now_utc(), 3601s);  // download.max_ttl_seconds
  expect_problem(call("GET", "/files/" + platform::core::Uuid::v7().to_string() + "/download-url"),
                 404);
}

TEST_P(FileApiTest, RangeRequestsServeTheRightBytes) {
  const std::string content = pdf_bytes(10'000);
  const std::string id(upload_ok("r.pdf", content).at("id").as_string());
  const std::string url = download_url(id);
  const std::string tag = "\"" + platform::core::sha256_hex(content) + "\"";
  struct Case {
    std::string range;
    int status;
    std::string content_range;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"bytes=0-99", 206, "bytes 0-99/10000", content.substr(0, 100)},
      {"bytes=-500", 206, "bytes 9500-9999/10000", content.substr(9500)},
      {"bytes=9000-", 206, "bytes 9000-9999/10000", content.substr(9000)},
      {"bytes=9990-20000", 206, "bytes 9990-9999/10000", content.substr(9990)},
      {"bytes=10000-", 416, "bytes */10000", ""},
      {"bytes=-0", 416, "bytes */10000", ""},
      {"bytes=0-9,100-109", 200, "", content},  // several ranges: the whole content
      {"bytes=0-9,5-19", 206, "bytes 0-19/10000", content.substr(0, 20)},  // they coalesce
      {"items=0-9", 200, "", content},                                     // unknown unit
      {"bytes=20-10", 200, "", content},                                   // malformed
  };
  for (const auto& c : cases) {
    HttpResponse response = call("GET", url, "", {{"Range", c.range}});
    EXPECT_EQ(response.status, c.status) << c.range;
    EXPECT_EQ(response.header("Content-Range"), c.content_range) << c.range;
    if (c.status != 416) {
      EXPECT_TRUE(response.body == c.body) << c.range;
    }
  }
  // If-Range with another entity tag: the range could splice versions, so all of it.
  HttpResponse stale = call("GET", url, "", {{"Range", "bytes=0-9"}, {"If-Range", "\"old\""}});
  EXPECT_EQ(stale.status, 200);
  HttpResponse fresh = call("GET", url, "", {{"Range", "bytes=0-9"}, {"If-Range", tag}});
  EXPECT_EQ(fresh.status, 206);
}

// --- delete -----------------------------------------------------------------------------

TEST_P(FileApiTest, DeleteRemovesMetadataAndBytes) {
  const std::string kept(upload_ok("keep.pdf", pdf_bytes()).at("id").as_string());
  const std::string id(upload_ok("gone.pdf", pdf_bytes(4000)).at("id").as_string());
  const std::string url = download_url(id);
  EXPECT_EQ(call("DELETE", "/files/" + id).status, 204);
  expect_problem(call("GET", "/files/" + id), 404);
  expect_problem(call("GET", url), 404);
  expect_problem(call("DELETE", "/files/" + id), 404);
  expect_problem(call("DELETE", "/files/not-a-uuid"), 404);
  EXPECT_EQ(stored_keys(), std::vector<std::string>{kept});
}

// --- events -----------------------------------------------------------------------------

TEST_P(FileApiTest, UploadAndDeletePublishTheirEvents) {
  auto redis =
      platform::events::RedisConnection::connect({.url = platform::testing::redis_server_url()});
  ASSERT_TRUE(redis);
  const std::string group = platform::testing::unique_name("file-api-test");
  ASSERT_TRUE((*redis)->ensure_group("events.file", group, false));
  const std::string id(upload_ok("e.pdf", pdf_bytes()).at("id").as_string());
  ASSERT_EQ(call("DELETE", "/files/" + id, "", as_user("bob")).status, 204);

  std::vector<platform::events::Event> events;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto entries = (*redis)->xreadgroup("events.file", group, "reader", 100, 200ms, ">");
    ASSERT_TRUE(entries);
    for (const auto& entry : *entries) {
      auto event = platform::events::parse_event(entry.field("event").value_or(""));
      ASSERT_TRUE(event) << event.error().detail();
      if (event->subject == id) events.push_back(std::move(*event));
    }
    if (events.size() >= 2) break;
  }
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].type, "file.uploaded.v1");
  EXPECT_EQ(events[1].type, "file.deleted.v1");
  const auto deleted = boost::json::parse(events[1].data).as_object();
  EXPECT_EQ(deleted.at("deleted_by").as_string(), "bob");
  EXPECT_FALSE(deleted.contains("storage_key"));
}

// --- list -------------------------------------------------------------------------------

TEST_P(FileApiTest, ListPagesThroughEveryFileOnceAsGetRendersIt) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.emplace_back(
        upload_ok("f" + std::to_string(i) + ".pdf", pdf_bytes(300 + i)).at("id").as_string());
  ASSERT_EQ(call("DELETE", "/files/" + ids[2]).status, 204);
  ids.erase(ids.begin() + 2);

  std::vector<std::string> seen;
  std::string target = "/files?limit=2";
  int pages = 0;
  while (pages++ < 10) {
    HttpResponse response = call("GET", target);
    ASSERT_EQ(response.status, 200) << response.body;
    const auto page = json_of(response);
    EXPECT_EQ(page.at("limit").as_int64(), 2);
    for (const auto& item : page.at("items").as_array()) {
      const std::string id(item.at("id").as_string());
      seen.push_back(id);
      EXPECT_EQ(item.as_object(), json_of(call("GET", "/files/" + id))) << id;
    }
    if (page.at("next_cursor").is_null()) break;
    target = "/files?limit=2&cursor=" + std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(pages, 2) << "four files, two a page: the last page is full and says so";
  EXPECT_EQ(seen, ids) << "in creation order, each once, the deleted one left out";

  const auto all = json_of(call("GET", "/files"));
  EXPECT_EQ(all.at("limit").as_int64(), 50);
  EXPECT_EQ(all.at("items").as_array().size(), 4u);
  EXPECT_TRUE(all.at("next_cursor").is_null());
}

TEST_P(FileApiTest, ListRefusesBadLimitsAndCursors) {
  const auto empty = json_of(call("GET", "/files?limit=200"));
  EXPECT_TRUE(empty.at("items").as_array().empty());
  EXPECT_TRUE(empty.at("next_cursor").is_null());
  const auto field_of = [](const HttpResponse& response) {
    const auto problem = json_of(response);
    return std::string(problem.at("errors").as_array().at(0).at("field").as_string());
  };
  for (const std::string limit : {"0", "201", "-1", "ten", ""}) {
    HttpResponse response = call("GET", "/files?limit=" + limit);
    expect_problem(response, 400);
    EXPECT_EQ(field_of(response), "limit") << limit;
  }
  // Not base64url; base64url but not an id; empty.
  for (const std::string cursor : {"%21%21", "AAAA", ""}) {
    HttpResponse response = call("GET", "/files?cursor=" + cursor);
    expect_problem(response, 400);
    EXPECT_EQ(field_of(response), "cursor") << cursor;
  }
}

// --- orphan collection (local disk: an old object is made by setting its time) ---------

TEST_P(FileApiTest, OrphanedBytesAreCollectedAndReferencedOnesKept) {
  if (GetParam().s3) {
    GTEST_SUCCEED() << "covered on the local backend: S3 objects cannot be back-dated";
    return;
  }
  const std::string kept(upload_ok("keep.pdf", pdf_bytes()).at("id").as_string());
  const std::string orphan = platform::core::Uuid::v7().to_string();
  const fs::path orphan_path = root() / "objects" / orphan.substr(orphan.size() - 2) / orphan;
  fs::create_directories(orphan_path.parent_path());
  std::ofstream(orphan_path) << "left over";
  const fs::path young = root() / "objects" / "zz" / (orphan.substr(0, 30) + "zz");
  fs::create_directories(young.parent_path());
  std::ofstream(young) << "an upload in progress";
  const fs::path stale_spool = root() / "tmp" / "crashed.part";
  std::ofstream(stale_spool) << "half an upload";
  const auto old_time = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() -
                                                             std::chrono::hours(2));
  const utimbuf times{old_time, old_time};
  for (const auto& path : {orphan_path, stale_spool, service_object(kept)}) {
    ASSERT_EQ(::utime(path.c_str(), &times), 0) << path;
  }
  restart({{"SYL_STORAGE_GC_INTERVAL_SECONDS", "1"}});
  for (int i = 0; i < 100 && fs::exists(orphan_path); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(fs::exists(orphan_path));
  EXPECT_FALSE(fs::exists(stale_spool));
  EXPECT_TRUE(fs::exists(young)) << "younger than the grace period";
  EXPECT_TRUE(fs::exists(service_object(kept))) << "metadata points at it";
  EXPECT_EQ(call("GET", download_url(kept)).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Variants, FileApiTest,
                         ::testing::Values(Variant{TestBackend::kSqlite, false},
                                           Variant{TestBackend::kPostgresql, false},
                                           Variant{TestBackend::kSqlite, true},
                                           Variant{TestBackend::kPostgresql, true}),
                         variant_name);

// --- start-up ---------------------------------------------------------------------------

TEST(FileServiceCommand, RefusesBadSettings) {
  platform::testing::TemporaryDirectory directory;
  auto result = platform::testing::run_process(
      FILE_SERVICE_BINARY,
      {{"SYL_DATABASE_URL", "sqlite://" + (directory.path() / "f.db").string()},
       {"SYL_STORAGE_BACKEND", "floppy"}},
      {});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("SYL_STORAGE_BACKEND"), std::string::npos) << result.output;
  auto bad_types = platform::testing::run_process(
      FILE_SERVICE_BINARY,
      {{"SYL_DATABASE_URL", "sqlite://" + (directory.path() / "f.db").string()},
       {"SYL_STORAGE_LOCAL_ROOT", (directory.path() / "files").string()},
       {"SYL_UPLOAD_ALLOWED_TYPES", "pdf,bogus"}},
      {});
  EXPECT_EQ(bad_types.exit_code, 2) << bad_types.output;
  EXPECT_NE(bad_types.output.find("SYL_UPLOAD_ALLOWED_TYPES"), std::string::npos)
      << bad_types.output;
  EXPECT_NE(bad_types.output.find("bogus"), std::string::npos) << bad_types.output;
  auto short_key = platform::testing::run_process(
      FILE_SERVICE_BINARY,
      {{"SYL_DATABASE_URL", "sqlite://" + (directory.path() / "f.db").string()},
       {"SYL_STORAGE_LOCAL_ROOT", (directory.path() / "files").string()},
       {"SYL_SIGNING_KEYS", "k1:c2hvcnQ"}},
      {});
  EXPECT_EQ(short_key.exit_code, 2) << short_key.output;
  EXPECT_NE(short_key.output.find("SYL_SIGNING_KEYS"), std::string::npos) << short_key.output;
  EXPECT_EQ(short_key.output.find("c2hvcnQ"), std::string::npos) << "a secret was printed";
}

// --- the OpenAPI document lists exactly the routes main.cpp mounts --------------------

TEST(OpenApiDocument, DocumentsEveryRouteTheServiceServes) {
  platform::testing::TemporaryDirectory directory;
  auto database = platform::db::Database::open({.url = "sqlite::memory:"});
  ASSERT_TRUE(database);
  infrastructure::SqlFileRepository repository(**database);
  infrastructure::LocalFileStorage storage(directory.path());
  auto ring = application::SigningKeyRing::create({{.id = "k", .secret = std::string(32, 'k')}});
  ASSERT_TRUE(ring);
  const application::UrlSigner signer(std::move(*ring));
  const auto clock = [] { return platform::core::now_utc(); };
  application::UploadFileHandler upload(repository, storage, *domain::Allowlist::parse("pdf"),
                                        clock, [] { return platform::core::Uuid::v7(); });
  application::DeleteFileHandler remove(repository, storage, clock);
  application::GetFileHandler get(repository);
  application::ListFilesHandler list(repository);
  application::CreateDownloadUrlHandler download_url(repository, signer, clock, {});
  application::OpenContentHandler content(repository, storage, signer, clock);
  platform::metrics::Registry registry;
  platform::http::Router router;
  api::add_routes(router, {upload, remove, get, download_url, content, list},
                  {.spool_directory = storage.spool_directory()}, registry);
  application::ImportFileHandler import(repository, storage, *domain::Allowlist::parse("pdf"),
                                        [] { return platform::core::Uuid::v7(); });
  api::add_import_routes(router, import, content, {.spool_directory = storage.spool_directory()},
                         database->get(), false);
  platform::service::add_openapi_route(router, api::openapi_document());
  platform::http::Health health;
  platform::http::mount_operational_routes(router, health, registry);

  platform::testing::expect_documents_every_route(router, api::openapi_document());
}

}  // namespace
}  // namespace file_service
