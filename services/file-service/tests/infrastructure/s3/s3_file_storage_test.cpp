// S3FileStorage against a real S3-compatible server: the one scripts/test.sh starts
// (s3rver, see scripts/lib/s3.sh), whose URL is in SYLTEST_S3_URL. Like the PostgreSQL
// tests these fail, never skip, without it: a skipped storage test looks green while
// testing nothing. Each test works in a bucket of its own.
#include "infrastructure/s3/s3_file_storage.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>

#include "infrastructure/s3/sigv4.h"
#include "platform/core/crypto.h"
#include "platform/testing/temp_dir.h"

namespace file_service::infrastructure::s3 {
namespace {

using application::ObjectDetails;
using application::ObjectReader;
using platform::core::ErrorCode;

// s3rver's fixed credentials.
constexpr const char* kAccessKeyId = "S3RVER";
constexpr const char* kSecretAccessKey = "S3RVER";

std::string s3_server_url() {
  const char* url = std::getenv("SYLTEST_S3_URL");
  if (url == nullptr || *url == '\0') {
    const std::string message =
        "SYLTEST_S3_URL is not set: run the tests with scripts/test.sh, which starts a "
        "throwaway S3-compatible server (scripts/lib/s3.sh)";
    ADD_FAILURE() << message;
    throw std::runtime_error(message);
  }
  return url;
}

std::string random_bucket_name() {
  std::random_device random;
  return "syltest-" + std::to_string(random()) + "-" + std::to_string(random() % 100000);
}

class S3FileStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = {.endpoint = s3_server_url(),
                .bucket = random_bucket_name(),
                .access_key_id = kAccessKeyId,
                .secret_access_key = kSecretAccessKey,
                .connect_timeout = std::chrono::seconds(5),
                .request_timeout = std::chrono::seconds(30)};
    storage_ = make(options_);
    auto created = storage_->create_bucket_if_absent();
    ASSERT_TRUE(created) << created.error().log_detail();
  }

  static std::unique_ptr<S3FileStorage> make(const S3Options& options) {
    auto storage = S3FileStorage::create(options);
    if (!storage) throw std::runtime_error("bad options: " + storage.error().detail());
    return std::move(*storage);
  }

  // Writes `content` to a spool file and returns what put needs.
  std::pair<std::filesystem::path, ObjectDetails> spool(const std::string& content) {
    const auto path = directory_.path() / ("spool-" + std::to_string(spool_count_++));
    std::ofstream(path, std::ios::binary) << content;
    return {path,
            {content.size(), platform::core::sha256_hex(content), "application/octet-stream"}};
  }

  void put(S3FileStorage& storage, const std::string& key, const std::string& content) {
    auto [path, details] = spool(content);
    auto stored = storage.put(key, path, details);
    ASSERT_TRUE(stored) << stored.error().log_detail();
  }

  static std::string read_all(ObjectReader& reader, std::size_t buffer_size = 7919) {
    std::string content;
    std::vector<char> buffer(buffer_size);
    for (;;) {
      auto n = reader.read(buffer);
      if (!n) throw std::runtime_error("read failed: " + n.error().log_detail());
      if (*n == 0) return content;
      content.append(buffer.data(), *n);
    }
  }

  std::string read(const std::string& key, std::uint64_t offset, std::uint64_t length) {
    auto reader = storage_->open(key, offset, length);
    if (!reader) throw std::runtime_error("open failed: " + reader.error().log_detail());
    return read_all(**reader);
  }

  platform::testing::TemporaryDirectory directory_;
  int spool_count_ = 0;
  S3Options options_;
  std::unique_ptr<S3FileStorage> storage_;
};

TEST_F(S3FileStorageTest, ChecksAnExistingBucket) {
  EXPECT_EQ(storage_->backend(), "s3");
  auto checked = storage_->check();
  EXPECT_TRUE(checked) << checked.error().log_detail();
}

TEST_F(S3FileStorageTest, StoresAnObjectAndReadsItWholeAndByRange) {
  put(*storage_, "ab/cd/object", "0123456789abcdef");
  EXPECT_EQ(read("ab/cd/object", 0, 16), "0123456789abcdef");
  EXPECT_EQ(read("ab/cd/object", 3, 4), "3456");
  EXPECT_EQ(read("ab/cd/object", 15, 1), "f");
  EXPECT_EQ(read("ab/cd/object", 16, 0), "");
}

TEST_F(S3FileStorageTest, ReplacesAnObjectWhole) {
  put(*storage_, "k", "first version, longer");
  put(*storage_, "k", "second");
  EXPECT_EQ(read("k", 0, 6), "second");
}

TEST_F(S3FileStorageTest, OpeningAMissingObjectIsNotFound) {
  auto reader = storage_->open("no/such/key", 0, 10);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), ErrorCode::kNotFound);
  auto empty = storage_->open("no/such/key", 0, 0);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kNotFound);
}

TEST_F(S3FileStorageTest, RemovesAnObjectAndSucceedsWhenItIsAlreadyGone) {
  put(*storage_, "doomed", "bytes");
  auto first = storage_->remove("doomed");
  ASSERT_TRUE(first) << first.error().log_detail();
  auto second = storage_->remove("doomed");
  ASSERT_TRUE(second) << second.error().log_detail();
  auto reader = storage_->open("doomed", 0, 5);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), ErrorCode::kNotFound);
}

TEST_F(S3FileStorageTest, ListsEveryObjectAcrossPages) {
  auto options = options_;
  options.list_page_size = 2;
  auto paged = make(options);
  std::set<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    const std::string key = "dir/object-" + std::to_string(i);
    put(*paged, key, std::string(static_cast<std::size_t>(i + 1), 'x'));
    expected.insert(key);
  }
  auto listed = paged->list();
  ASSERT_TRUE(listed) << listed.error().log_detail();
  std::set<std::string> keys;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& object : *listed) {
    keys.insert(object.key);
    EXPECT_EQ(object.size, std::stoul(object.key.substr(11)) + 1) << object.key;
    EXPECT_LE(std::abs(object.modified_unix - now), 300) << object.key;
  }
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(listed->size(), 5u);
}

TEST_F(S3FileStorageTest, KeepsItsKeysUnderTheKeyPrefix) {
  put(*storage_, "outside", "x");
  auto options = options_;
  options.key_prefix = "files/";
  auto prefixed = make(options);
  put(*prefixed, "inside", "yy");
  auto listed = prefixed->list();
  ASSERT_TRUE(listed) << listed.error().log_detail();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "inside");
  EXPECT_EQ(read("files/inside", 0, 2), "yy");  // the unprefixed storage sees the full key
}

TEST_F(S3FileStorageTest, HandlesKeysWithSpacesUnicodeAndReservedCharacters) {
  const std::vector<std::string> keys = {
      "with space/file name.pdf", "unicode/caf\xC3\xA9-\xE2\x9C\x93",
      "reserved/a+b=c&d;e$f@g,h!i'j(k)", "xml/<tag> & \"quotes\""};
  for (const auto& key : keys) put(*storage_, key, "content of " + key);
  for (const auto& key : keys) EXPECT_EQ(read(key, 0, 11 + key.size()), "content of " + key);
  auto listed = storage_->list();
  ASSERT_TRUE(listed) << listed.error().log_detail();
  std::set<std::string> listed_keys;
  for (const auto& object : *listed) listed_keys.insert(object.key);
  EXPECT_EQ(listed_keys, std::set<std::string>(keys.begin(), keys.end()));
}

TEST_F(S3FileStorageTest, RoundTripsA5MiBObjectWithItsSha256) {
  std::string content(5 * 1024 * 1024, '\0');
  std::mt19937 random(42);
  for (char& c : content) c = static_cast<char>(random() & 0xFF);
  put(*storage_, "big/object.bin", content);
  auto reader = storage_->open("big/object.bin", 0, content.size());
  ASSERT_TRUE(reader) << reader.error().log_detail();
  const std::string back = read_all(**reader, 64 * 1024);
  EXPECT_EQ(back.size(), content.size());
  EXPECT_EQ(platform::core::sha256_hex(back), platform::core::sha256_hex(content));
  EXPECT_EQ(read("big/object.bin", 4 * 1024 * 1024, 1024), content.substr(4 * 1024 * 1024, 1024));
}

TEST_F(S3FileStorageTest, CheckFailsForAMissingBucket) {
  auto options = options_;
  options.bucket = random_bucket_name();
  auto missing = make(options);
  auto checked = missing->check();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code(), ErrorCode::kUnavailable);
}

// Wrong credentials must be an error, never a silent success. s3rver 3.7.1 checks the access
// key id but does not verify SigV4 signatures, so the key id is wrong here as well as the
// secret; against a verifying server the secret alone would be refused the same way.
TEST_F(S3FileStorageTest, WrongCredentialsAreAnErrorThatDoesNotLeakTheSecret) {
  auto options = options_;
  options.access_key_id = "AKIDWRONGEXAMPLE";
  options.secret_access_key = "not-the-secret-key-0123";
  auto wrong = make(options);
  auto [path, details] = spool("content");
  auto stored = wrong->put("k", path, details);
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code(), ErrorCode::kInternal);
  EXPECT_NE(stored.error().log_detail().find("403"), std::string::npos)
      << stored.error().log_detail();
  EXPECT_EQ(stored.error().log_detail().find(options.secret_access_key), std::string::npos);
  EXPECT_EQ(stored.error().detail().find(options.secret_access_key), std::string::npos);
  EXPECT_FALSE(wrong->open("k", 0, 1));
  EXPECT_FALSE(wrong->list());
  EXPECT_FALSE(wrong->check());
}

TEST_F(S3FileStorageTest, RejectsASpoolFileThatDisagreesWithItsDetails) {
  auto [path, details] = spool("12345");
  details.size = 6;
  auto stored = storage_->put("k", path, details);
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code(), ErrorCode::kInternal);
}

TEST(S3FileStorage, AnUnreachableServerIsUnavailable) {
  auto storage = S3FileStorage::create({.endpoint = "http://127.0.0.1:1",
                                        .bucket = "b",
                                        .access_key_id = kAccessKeyId,
                                        .secret_access_key = kSecretAccessKey,
                                        .connect_timeout = std::chrono::seconds(1)});
  ASSERT_TRUE(storage);
  auto checked = (*storage)->check();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code(), ErrorCode::kUnavailable);
}

TEST(S3FileStorage, RejectsBadOptions) {
  EXPECT_FALSE(S3FileStorage::create(
      {.endpoint = "s3://x", .bucket = "b", .access_key_id = "a", .secret_access_key = "s"}));
  EXPECT_FALSE(S3FileStorage::create(
      {.endpoint = "http://x", .bucket = "", .access_key_id = "a", .secret_access_key = "s"}));
  EXPECT_FALSE(S3FileStorage::create({.endpoint = "http://x", .bucket = "b"}));
}

TEST(ParseEndpoint, TakesSchemeHostPortAndBasePath) {
  auto plain = parse_endpoint("http://127.0.0.1:9000");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls());
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 9000);
  EXPECT_EQ(plain->target, "");
  EXPECT_EQ(plain->host_header(), "127.0.0.1:9000");

  auto tls = parse_endpoint("HTTPS://s3.example.com/storage%20v1/");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->tls());
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->target, "/storage v1");  // decoded: signed and encoded per request
  EXPECT_EQ(tls->host_header(), "s3.example.com");

  auto v6 = parse_endpoint("http://[::1]:8080");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header(), "[::1]:8080");
}

TEST(ParseEndpoint, RejectsWhatIsNotAnHttpUrlNamingTheSetting) {
  for (const char* url :
       {"ftp://host", "http://", "http://host:0", "http://host:99999", "http://user@host",
        "http://user:secret@host", "http://host/?q", "http://host/#f", "host:9000", ""}) {
    auto endpoint = parse_endpoint(url);
    ASSERT_FALSE(endpoint) << url;
    ASSERT_EQ(endpoint.error().field_errors().size(), 1u) << url;
    EXPECT_EQ(endpoint.error().field_errors()[0].field, "endpoint") << url;
    EXPECT_EQ(endpoint.error().detail().find("secret"), std::string::npos) << url;
  }
}

}  // namespace
}  // namespace file_service::infrastructure::s3
