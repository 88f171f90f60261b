#include <gtest/gtest.h>
#include <utime.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "application/collect_orphans.h"
#include "application/create_download_url.h"
#include "application/delete_file.h"
#include "application/get_file.h"
#include "application/list_files.h"
#include "application/open_content.h"
#include "application/upload_file.h"
#include "application/url_signer.h"
#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/testing/temp_dir.h"

namespace file_service::application {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;
using platform::core::Uuid;
namespace fs = std::filesystem;
using Query = std::vector<std::pair<std::string, std::string>>;

constexpr std::int64_t kNow = 1'767'225'600;  // 2026-01-01T00:00:00Z
const std::string kPdf = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";

// What happened, in order, across the fake repository and the fake storage.
using CallLog = std::vector<std::string>;

class FakeFileRepository final : public FileRepository {
 public:
  explicit FakeFileRepository(CallLog& log) : log_(log) {}

  Result<void> insert(const domain::FileMetadata& file, const Change& change) override {
    log_.push_back("insert " + file.id.to_string());
    if (fail_insert_) return Error::unavailable("the database is down");
    if (files_.contains(file.id)) return Error::already_exists("id taken");
    files_[file.id] = file;
    changes_.push_back(change);
    return platform::core::ok();
  }
  Result<domain::FileMetadata> find(const Uuid& id) override {
    const auto it = files_.find(id);
    if (it == files_.end()) return Error::not_found("no file");
    return it->second;
  }
  Result<void> remove(const Uuid& id, const Change& change) override {
    log_.push_back("delete " + id.to_string());
    if (fail_remove_) return Error::unavailable("the database is down");
    if (files_.erase(id) == 0) return Error::not_found("no file");
    changes_.push_back(change);
    return platform::core::ok();
  }
  Result<FilePage> list(const FilePageRequest& request) override {
    last_page_request_ = request;
    FilePage page;
    auto it = request.after ? files_.upper_bound(*request.after) : files_.begin();
    for (; it != files_.end(); ++it) {
      if (page.items.size() == request.limit) {
        page.has_more = true;
        break;
      }
      page.items.push_back(it->second);
    }
    return page;
  }
  Result<std::unordered_set<std::string>> referenced_keys(
      const std::vector<std::string>& keys) override {
    asked_keys_.push_back(keys);
    std::unordered_set<std::string> referenced;
    for (const auto& [id, file] : files_)
      if (std::find(keys.begin(), keys.end(), file.storage_key) != keys.end())
        referenced.insert(file.storage_key);
    return referenced;
  }

  std::map<Uuid, domain::FileMetadata> files_;
  std::vector<Change> changes_;  // what each successful write recorded
  std::vector<std::vector<std::string>> asked_keys_;
  std::optional<FilePageRequest> last_page_request_;
  bool fail_insert_ = false;
  bool fail_remove_ = false;

 private:
  CallLog& log_;
};

class StringReader final : public ObjectReader {
 public:
  explicit StringReader(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<std::size_t> read(std::span<char> buffer) override {
    const std::size_t n = std::min(buffer.size(), bytes_.size() - position_);
    std::memcpy(buffer.data(), bytes_.data() + position_, n);
    position_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t position_ = 0;
};

std::string file_content(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FakeFileStorage final : public FileStorage {
 public:
  struct Object {
    std::string bytes;
    ObjectDetails details;
    std::int64_t modified_unix = 0;
  };

  explicit FakeFileStorage(CallLog& log) : log_(log) {}

  std::string_view backend() const override { return "fake"; }
  Result<void> put(const std::string& key, const fs::path& spool_file,
                   const ObjectDetails& details) override {
    log_.push_back("put " + key);
    if (fail_put_) return Error::unavailable("the storage is down");
    if (objects_.contains(key)) return Error::already_exists("key taken");
    if (!fs::exists(spool_file)) return Error::internal("no spool file");
    objects_[key] = {file_content(spool_file), details, kNow};
    return platform::core::ok();
  }
  Result<std::unique_ptr<ObjectReader>> open(const std::string& key, std::uint64_t offset,
                                             std::uint64_t length) override {
    log_.push_back("open " + key);
    const auto it = objects_.find(key);
    if (it == objects_.end()) return Error::not_found("no object");
    return std::unique_ptr<ObjectReader>(
        std::make_unique<StringReader>(it->second.bytes.substr(offset, length)));
  }
  Result<void> remove(const std::string& key) override {
    log_.push_back("remove " + key);
    if (fail_remove_) return Error::unavailable("the storage is down");
    objects_.erase(key);
    return platform::core::ok();
  }
  Result<std::vector<StoredObject>> list() override {
    if (fail_list_) return Error::unavailable("the storage is down");
    std::vector<StoredObject> listed;
    for (const auto& [key, object] : objects_)
      listed.push_back(
          {.key = key, .size = object.bytes.size(), .modified_unix = object.modified_unix});
    return listed;
  }
  Result<void> check() override { return platform::core::ok(); }

  std::map<std::string, Object> objects_;
  bool fail_put_ = false;
  bool fail_remove_ = false;
  bool fail_list_ = false;

 private:
  CallLog& log_;
};

std::size_t count(const CallLog& log, std::string_view prefix) {
  return static_cast<std::size_t>(std::count_if(
      log.begin(), log.end(), [&](const std::string& call) { return call.starts_with(prefix); }));
}

std::vector<fs::path> files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) files.push_back(entry.path());
  return files;
}

void set_mtime(const fs::path& path, std::int64_t unix_seconds) {
  const utimbuf times{.actime = static_cast<time_t>(unix_seconds),
                      .modtime = static_cast<time_t>(unix_seconds)};
  ASSERT_EQ(::utime(path.c_str(), &times), 0) << path;
}

domain::Allowlist allowlist(std::string_view setting) {
  auto parsed = domain::Allowlist::parse(setting);
  EXPECT_TRUE(parsed);
  return std::move(*parsed);
}

UrlSigner make_signer(const std::string& secret) {
  auto ring = SigningKeyRing::create({{"k1", secret, std::nullopt}});
  EXPECT_TRUE(ring);
  return UrlSigner(std::move(*ring));
}

// Splits "<path>?<query>" into its path and its name/value pairs.
std::pair<std::string, Query> split_url(std::string_view url) {
  const std::size_t question = url.find('?');
  Query query;
  if (question == std::string_view::npos) return {std::string(url), query};
  for (std::string_view pair : platform::core::split(url.substr(question + 1), '&')) {
    const std::size_t equals = pair.find('=');
    query.emplace_back(std::string(pair.substr(0, equals)), std::string(pair.substr(equals + 1)));
  }
  return {std::string(url.substr(0, question)), query};
}

class FileCommands : public ::testing::Test {
 protected:
  platform::core::Timestamp now_{std::chrono::seconds(kNow)};
  Clock clock_ = [this] { return now_; };
  const Uuid id_ = *Uuid::parse("0b8e6c1e-7d1f-4c59-a7a5-1b1f6c2e8d11");
  platform::testing::TemporaryDirectory spool_dir_;
  CallLog log_;
  FakeFileRepository repository_{log_};
  FakeFileStorage storage_{log_};
  UploadFileHandler upload_{repository_, storage_, allowlist("pdf,txt,md"), clock_,
                            [this] { return id_; }};
  DeleteFileHandler delete_{repository_, storage_, clock_};

  SpooledUpload spooled(std::string_view content) {
    auto spool = UploadSpool::create(spool_dir_.path(), 1 << 30);
    EXPECT_TRUE(spool);
    EXPECT_TRUE(spool->write(content));
    auto upload = spool->finish();
    EXPECT_TRUE(upload);
    return std::move(*upload);
  }

  domain::FileMetadata uploaded(std::string_view content, const std::string& name = "a.pdf") {
    auto file = upload_.handle({.filename = name, .uploaded_by = "alice"}, spooled(content));
    EXPECT_TRUE(file) << (file ? "" : file.error().detail());
    return file ? *file : domain::FileMetadata{};
  }
};

TEST_F(FileCommands, UploadOfAnAllowedPdfPutsTheBytesThenInsertsWithItsEvent) {
  const EventOrigin origin{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "req-7"};
  auto file = upload_.handle({.filename = "syllabus.pdf", .uploaded_by = "alice", .origin = origin},
                             spooled(kPdf));
  ASSERT_TRUE(file) << file.error().detail();
  EXPECT_EQ(file->id, id_);
  EXPECT_EQ(file->filename, "syllabus.pdf");
  EXPECT_EQ(file->content_type, "application/pdf");
  EXPECT_EQ(file->size, kPdf.size());
  EXPECT_EQ(file->sha256, platform::core::sha256_hex(kPdf));
  EXPECT_EQ(file->storage_key, id_.to_string());
  EXPECT_EQ(file->uploaded_by, "alice");
  EXPECT_EQ(file->created_at, now_);

  EXPECT_EQ(log_, (CallLog{"put " + id_.to_string(), "insert " + id_.to_string()}));
  const auto& object = storage_.objects_.at(file->storage_key);
  EXPECT_EQ(object.bytes, kPdf);
  EXPECT_EQ(object.details.size, kPdf.size());
  EXPECT_EQ(object.details.sha256_hex, file->sha256);
  EXPECT_EQ(object.details.content_type, "application/pdf");

  EXPECT_EQ(repository_.files_.at(id_), *file);
  ASSERT_EQ(repository_.changes_.size(), 1u);
  EXPECT_EQ(std::get<domain::FileUploaded>(repository_.changes_[0].event).file, *file);
  EXPECT_EQ(repository_.changes_[0].origin.traceparent, origin.traceparent);
  EXPECT_EQ(repository_.changes_[0].origin.correlation_id, "req-7");
  // The fake storage copied the bytes; the spool file went with the SpooledUpload.
  EXPECT_TRUE(files_in(spool_dir_.path()).empty());
}

TEST_F(FileCommands, UploadOfADisallowedTypeIsRefusedWithNothingPut) {
  const std::string elf = std::string(
                              "\x7F"
                              "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                              16) +
                          "payload";
  auto file = upload_.handle({.filename = "notes.pdf", .uploaded_by = "alice"}, spooled(elf));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ErrorCode::kUnsupportedMediaType);
  EXPECT_NE(file.error().detail().find("elf"), std::string::npos) << file.error().detail();
  EXPECT_TRUE(log_.empty());
  EXPECT_TRUE(storage_.objects_.empty());
  EXPECT_TRUE(repository_.files_.empty());
  EXPECT_TRUE(files_in(spool_dir_.path()).empty());
}

TEST_F(FileCommands, EmptyUploadIsInvalid) {
  auto file = upload_.handle({.filename = "empty.txt", .uploaded_by = "alice"}, spooled(""));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(log_.empty());
  EXPECT_TRUE(files_in(spool_dir_.path()).empty());
}

TEST_F(FileCommands, TextIsAcceptedWhenTheWholeContentIsText) {
  const std::string text(100'000, 'a');
  const domain::FileMetadata file = uploaded(text, "notes.txt");
  EXPECT_EQ(file.content_type, "text/plain; charset=utf-8");
  const domain::FileMetadata markdown = [&] {
    repository_.files_.clear();
    storage_.objects_.clear();
    return uploaded("# Title\n", "README.md");
  }();
  EXPECT_EQ(markdown.content_type, "text/markdown; charset=utf-8");
}

TEST_F(FileCommands, TextByHeadAndTailButNotAsAWholeIsRefused) {
  std::string content(domain::kHeadBytes + domain::kTailBytes + 5000, 'a');
  content[domain::kHeadBytes + 100] = '\0';  // in neither the head nor the tail
  SpooledUpload upload = spooled(content);
  ASSERT_FALSE(upload.text);
  ASSERT_EQ(domain::detect_content_type(upload.head, upload.tail, "notes.txt").name, "txt");
  auto file = upload_.handle({.filename = "notes.txt", .uploaded_by = "alice"}, std::move(upload));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ErrorCode::kUnsupportedMediaType);
  EXPECT_TRUE(log_.empty());
  EXPECT_TRUE(storage_.objects_.empty());
}

TEST_F(FileCommands, WhenStoringTheBytesFailsNothingIsInserted) {
  storage_.fail_put_ = true;
  auto file = upload_.handle({.filename = "a.pdf", .uploaded_by = "alice"}, spooled(kPdf));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(count(log_, "insert"), 0u);
  EXPECT_TRUE(repository_.files_.empty());
  EXPECT_TRUE(files_in(spool_dir_.path()).empty()) << "the spool file is not left behind";
}

TEST_F(FileCommands, WhenTheInsertFailsTheStoredBytesAreRemovedAgain) {
  repository_.fail_insert_ = true;
  auto file = upload_.handle({.filename = "a.pdf", .uploaded_by = "alice"}, spooled(kPdf));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code(), ErrorCode::kUnavailable);
  const std::string key = id_.to_string();
  EXPECT_EQ(log_, (CallLog{"put " + key, "insert " + key, "remove " + key}));
  EXPECT_TRUE(storage_.objects_.empty());
  EXPECT_TRUE(repository_.changes_.empty());
  EXPECT_TRUE(files_in(spool_dir_.path()).empty());
}

TEST_F(FileCommands, DeleteRemovesTheMetadataWithItsEventBeforeTheBytes) {
  const domain::FileMetadata file = uploaded(kPdf);
  log_.clear();
  now_ += std::chrono::seconds(90);
  const EventOrigin origin{"", "req-9"};
  ASSERT_TRUE(delete_.handle({.id = file.id, .deleted_by = "bob", .origin = origin}));
  EXPECT_EQ(log_, (CallLog{"delete " + file.id.to_string(), "remove " + file.storage_key}));
  EXPECT_TRUE(repository_.files_.empty());
  EXPECT_TRUE(storage_.objects_.empty());
  ASSERT_EQ(repository_.changes_.size(), 2u);
  const auto& event = std::get<domain::FileDeleted>(repository_.changes_[1].event);
  EXPECT_EQ(event.file, file);
  EXPECT_EQ(event.deleted_by, "bob");
  EXPECT_EQ(event.deleted_at, now_);
  EXPECT_EQ(repository_.changes_[1].origin.correlation_id, "req-9");
}

TEST_F(FileCommands, DeleteSucceedsWhenRemovingTheBytesFails) {
  const domain::FileMetadata file = uploaded(kPdf);
  storage_.fail_remove_ = true;
  ASSERT_TRUE(delete_.handle({.id = file.id, .deleted_by = "bob"}));
  EXPECT_TRUE(repository_.files_.empty());
  EXPECT_EQ(count(log_, "remove"), 1u);
  EXPECT_TRUE(storage_.objects_.contains(file.storage_key)) << "left for orphan collection";
}

TEST_F(FileCommands, DeleteKeepsTheBytesWhenTheMetadataCannotBeRemoved) {
  const domain::FileMetadata file = uploaded(kPdf);
  repository_.fail_remove_ = true;
  auto deleted = delete_.handle({.id = file.id, .deleted_by = "bob"});
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(count(log_, "remove"), 0u);
  EXPECT_TRUE(storage_.objects_.contains(file.storage_key));
}

TEST_F(FileCommands, DeleteOfAMissingFileIsNotFound) {
  auto deleted = delete_.handle({.id = Uuid::v7(), .deleted_by = "bob"});
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(count(log_, "remove"), 0u);
  EXPECT_TRUE(repository_.changes_.empty());
}

class CollectOrphans : public FileCommands {
 protected:
  static constexpr std::chrono::seconds kGrace{3600};
  CollectOrphansHandler collect_{repository_, storage_, spool_dir_.path(), kGrace, clock_};

  void stored(const std::string& key, std::int64_t modified_unix) {
    storage_.objects_[key] = {"bytes", {}, modified_unix};
  }
  void referenced(const std::string& key) {
    const Uuid id = Uuid::v7();
    repository_.files_[id] = {.id = id, .storage_key = key};
  }
  fs::path spool_file(const std::string& name, std::int64_t modified_unix) {
    const fs::path path = spool_dir_.path() / name;
    std::ofstream(path) << "partial";
    set_mtime(path, modified_unix);
    return path;
  }
};

TEST_F(CollectOrphans, RemovesOnlyOldUnreferencedObjects) {
  stored("old-orphan", kNow - 7200);
  stored("old-kept", kNow - 7200);
  referenced("old-kept");
  stored("young-orphan", kNow - 60);
  stored("at-the-cutoff", kNow - kGrace.count());
  stored("young-kept", kNow - 10);
  referenced("young-kept");

  auto report = collect_.handle();
  ASSERT_TRUE(report) << report.error().detail();
  EXPECT_EQ(report->objects_seen, 5u);
  EXPECT_EQ(report->orphans_removed, 1u);
  EXPECT_FALSE(storage_.objects_.contains("old-orphan"));
  EXPECT_TRUE(storage_.objects_.contains("old-kept"));
  EXPECT_TRUE(storage_.objects_.contains("young-orphan"));
  EXPECT_TRUE(storage_.objects_.contains("at-the-cutoff"));
  EXPECT_TRUE(storage_.objects_.contains("young-kept"));
  // Only old keys are looked up.
  ASSERT_EQ(repository_.asked_keys_.size(), 1u);
  auto asked = repository_.asked_keys_[0];
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ(asked, (std::vector<std::string>{"old-kept", "old-orphan"}));
  EXPECT_EQ(log_, (CallLog{"remove old-orphan"}));
}

TEST_F(CollectOrphans, NoOldObjectsMeansNoLookup) {
  stored("young", kNow - 1);
  auto report = collect_.handle();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->objects_seen, 1u);
  EXPECT_EQ(report->orphans_removed, 0u);
  EXPECT_TRUE(repository_.asked_keys_.empty());
}

TEST_F(CollectOrphans, AFailedRemovalIsNotCounted) {
  stored("old-orphan", kNow - 7200);
  storage_.fail_remove_ = true;
  auto report = collect_.handle();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->orphans_removed, 0u);
  EXPECT_EQ(count(log_, "remove"), 1u);
}

TEST_F(CollectOrphans, AFailedListingIsAnError) {
  storage_.fail_list_ = true;
  auto report = collect_.handle();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), ErrorCode::kUnavailable);
}

TEST_F(CollectOrphans, RemovesStaleSpoolFilesAndKeepsYoungOnes) {
  const fs::path stale = spool_file("stale.part", kNow - 7200);
  const fs::path young = spool_file("young.part", kNow - 60);
  const fs::path other = spool_file("stale.txt", kNow - 7200);
  const fs::path future = spool_file("future.part", kNow + 600);

  auto report = collect_.handle();
  ASSERT_TRUE(report) << report.error().detail();
  EXPECT_EQ(report->spool_files_removed, 1u);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(young));
  EXPECT_TRUE(fs::exists(other)) << "only .part files are spool files";
  EXPECT_TRUE(fs::exists(future));
}

TEST_F(CollectOrphans, AMissingSpoolDirectoryIsNotAnError) {
  CollectOrphansHandler collect{repository_, storage_, spool_dir_.path() / "missing", kGrace,
                                clock_};
  stored("old-orphan", kNow - 7200);
  auto report = collect.handle();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->orphans_removed, 1u);
  EXPECT_EQ(report->spool_files_removed, 0u);
}

class FileQueries : public FileCommands {
 protected:
  const UrlSigner signer_ = make_signer(std::string(32, 's'));
  CreateDownloadUrlHandler download_url_{
      repository_,
      signer_,
      clock_,
      {.max_ttl = std::chrono::seconds(3600), .base_url = "https://files.example.org"}};
  OpenContentHandler open_content_{repository_, storage_, signer_, clock_};

  // The path and query of a fresh download URL for `id`.
  std::pair<std::string, Query> signed_request(const Uuid& id, std::chrono::seconds ttl) {
    auto link = download_url_.handle(id, ttl);
    EXPECT_TRUE(link);
    if (!link) return {};
    std::string_view url = link->url;
    EXPECT_TRUE(url.starts_with("https://files.example.org/")) << url;
    url.remove_prefix(std::string_view("https://files.example.org").size());
    return split_url(url);
  }
};

TEST_F(FileQueries, DownloadUrlSignsTheContentPathOfTheFile) {
  const domain::FileMetadata file = uploaded(kPdf);
  auto link = download_url_.handle(file.id, std::chrono::seconds(300));
  ASSERT_TRUE(link);
  EXPECT_TRUE(link->url.starts_with("https://files.example.org" + content_path(file.id) + "?"))
      << link->url;
  EXPECT_EQ(link->expires_at, now_ + std::chrono::seconds(300));

  const auto [path, query] = signed_request(file.id, std::chrono::seconds(300));
  EXPECT_EQ(path, content_path(file.id));
  EXPECT_TRUE(signer_.verify("GET", path, query, kNow));
  EXPECT_TRUE(signer_.verify("GET", path, query, kNow + 299));
  EXPECT_FALSE(signer_.verify("GET", path, query, kNow + 300)) << "valid until, not at, expiry";
  // The signature belongs to this file's path only.
  auto other = signer_.verify("GET", content_path(Uuid::v7()), query, kNow);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), ErrorCode::kPermissionDenied);
  // Another signer's key does not accept it either.
  auto foreign = make_signer(std::string(32, 't')).verify("GET", path, query, kNow);
  EXPECT_FALSE(foreign);
}

TEST_F(FileQueries, DownloadUrlTtlIsCappedAtTheMaximum) {
  const domain::FileMetadata file = uploaded(kPdf);
  auto link = download_url_.handle(file.id, std::chrono::seconds(86'400));
  ASSERT_TRUE(link);
  EXPECT_EQ(link->expires_at, now_ + std::chrono::seconds(3600));
  const auto [path, query] = signed_request(file.id, std::chrono::seconds(86'400));
  EXPECT_TRUE(signer_.verify("GET", path, query, kNow + 3599));
  EXPECT_FALSE(signer_.verify("GET", path, query, kNow + 3601));
}

TEST_F(FileQueries, DownloadUrlRefusesATtlBelowOneSecond) {
  const domain::FileMetadata file = uploaded(kPdf);
  for (const auto ttl : {std::chrono::seconds(0), std::chrono::seconds(-5)}) {
    auto link = download_url_.handle(file.id, ttl);
    ASSERT_FALSE(link);
    EXPECT_EQ(link.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(download_url_.handle(file.id, std::chrono::seconds(1)));
}

TEST_F(FileQueries, DownloadUrlOfAnUnknownFileIsNotFound) {
  auto link = download_url_.handle(Uuid::v7(), std::chrono::seconds(60));
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code(), ErrorCode::kNotFound);
}

TEST_F(FileQueries, AuthorizeAcceptsGetAndHeadForAGetSignedUrl) {
  const domain::FileMetadata file = uploaded(kPdf);
  const auto [path, query] = signed_request(file.id, std::chrono::seconds(300));
  for (const std::string method : {"GET", "HEAD"}) {
    auto authorized =
        open_content_.authorize({.id = file.id, .method = method, .path = path, .query = query});
    ASSERT_TRUE(authorized) << method << ": " << authorized.error().detail();
    EXPECT_EQ(*authorized, file);
  }
  auto post =
      open_content_.authorize({.id = file.id, .method = "POST", .path = path, .query = query});
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      open_content_.seconds_left({.id = file.id, .method = "GET", .path = path, .query = query}),
      300);
}

TEST_F(FileQueries, AuthorizeRefusesATamperedUrl) {
  const domain::FileMetadata file = uploaded(kPdf);
  auto [path, query] = signed_request(file.id, std::chrono::seconds(300));
  Query tampered = query;
  for (auto& [name, value] : tampered) {
    if (name != "signature") continue;
    value[0] = value[0] == 'A' ? 'B' : 'A';
  }
  auto denied =
      open_content_.authorize({.id = file.id, .method = "GET", .path = path, .query = tampered});
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code(), ErrorCode::kPermissionDenied);

  Query later = query;
  for (auto& [name, value] : later)
    if (name == "expires") value = std::to_string(kNow + 100'000);
  auto extended =
      open_content_.authorize({.id = file.id, .method = "GET", .path = path, .query = later});
  ASSERT_FALSE(extended);
  EXPECT_EQ(extended.error().code(), ErrorCode::kPermissionDenied);

  auto unsigned_request =
      open_content_.authorize({.id = file.id, .method = "GET", .path = path, .query = {}});
  ASSERT_FALSE(unsigned_request);
  EXPECT_EQ(unsigned_request.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(FileQueries, AuthorizeRefusesAnExpiredUrl) {
  const domain::FileMetadata file = uploaded(kPdf);
  const auto [path, query] = signed_request(file.id, std::chrono::seconds(60));
  now_ += std::chrono::seconds(61);
  auto expired =
      open_content_.authorize({.id = file.id, .method = "GET", .path = path, .query = query});
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(FileQueries, AuthorizeOfADeletedFileIsNotFound) {
  const domain::FileMetadata file = uploaded(kPdf);
  const auto [path, query] = signed_request(file.id, std::chrono::seconds(300));
  ASSERT_TRUE(delete_.handle({.id = file.id, .deleted_by = "bob"}));
  auto gone =
      open_content_.authorize({.id = file.id, .method = "GET", .path = path, .query = query});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
}

TEST_F(FileQueries, OpenReadsTheRequestedRange) {
  const domain::FileMetadata file = uploaded(kPdf);
  auto reader = open_content_.open(file, 1, 4);
  ASSERT_TRUE(reader);
  std::string buffer(16, '\0');
  auto n = (*reader)->read(buffer);
  ASSERT_TRUE(n);
  EXPECT_EQ(buffer.substr(0, *n), "PDF-");
}

TEST_F(FileQueries, OpenOfMetadataWhoseBytesAreMissingIsInternal) {
  const domain::FileMetadata file = uploaded(kPdf);
  storage_.objects_.clear();
  auto reader = open_content_.open(file, 0, file.size);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), ErrorCode::kInternal);
}

class ListFiles : public FileCommands {
 protected:
  // Five files straight into the repository, in id (creation) order.
  void SetUp() override {
    for (int i = 0; i < 5; ++i) {
      domain::FileMetadata file{.id = Uuid::v7(), .filename = "f" + std::to_string(i) + ".pdf"};
      repository_.files_[file.id] = file;
    }
  }
  ListFilesHandler list_{repository_};
};

TEST_F(ListFiles, PagesThroughEveryFileOnceWithCursors) {
  std::vector<std::string> names;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    auto page = list_.handle({.limit = 2, .cursor = cursor});
    ASSERT_TRUE(page) << page.error().detail();
    for (const auto& file : page->items) names.push_back(file.filename);
    cursor = page->next_cursor;
    ++pages;
  } while (cursor);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"f0.pdf", "f1.pdf", "f2.pdf", "f3.pdf", "f4.pdf"}));
}

TEST_F(ListFiles, AFullLastPageHasNoCursor) {
  auto page = list_.handle({.limit = 5});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 5u);
  EXPECT_FALSE(page->next_cursor);
  EXPECT_EQ(repository_.last_page_request_->limit, 5u);
  EXPECT_FALSE(repository_.last_page_request_->after);
  EXPECT_EQ(list_.handle({})->items.size(), 5u) << "the default limit is 50";
  EXPECT_EQ(repository_.last_page_request_->limit, kDefaultPageSize);
}

TEST_F(ListFiles, RefusesOutOfRangeLimitsAndForeignCursorsTogether) {
  auto page = list_.handle({.limit = 201, .cursor = "not-a-cursor!"});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code(), ErrorCode::kMalformed);
  ASSERT_EQ(page.error().field_errors().size(), 2u);
  EXPECT_EQ(page.error().field_errors()[0].field, "limit");
  EXPECT_EQ(page.error().field_errors()[1].field, "cursor");
  EXPECT_FALSE(repository_.last_page_request_) << "nothing was asked of the repository";
  EXPECT_EQ(list_.handle({.limit = 0}).error().code(), ErrorCode::kMalformed);
  EXPECT_TRUE(list_.handle({.limit = 1}));
  EXPECT_TRUE(list_.handle({.limit = 200}));
  // Valid base64url, but not 16 bytes: not an id.
  EXPECT_EQ(list_.handle({.cursor = "AAAA"}).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(list_.handle({.cursor = ""}).error().code(), ErrorCode::kMalformed);
}

TEST(FileCursor, RoundTripsAnIdAndRejectsOtherText) {
  const auto id = Uuid::v7();
  EXPECT_EQ(platform::core::uuid_from_cursor(platform::core::to_cursor(id)), id);
  EXPECT_FALSE(platform::core::uuid_from_cursor("abc"));
  EXPECT_FALSE(platform::core::uuid_from_cursor(""));
  EXPECT_FALSE(platform::core::uuid_from_cursor("!!"));
}

}  // namespace
}  // namespace file_service::application
