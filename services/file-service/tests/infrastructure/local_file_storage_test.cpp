#include "infrastructure/local_file_storage.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "platform/testing/temp_dir.h"

namespace file_service::infrastructure {
namespace {

using platform::core::ErrorCode;
namespace fs = std::filesystem;

const std::string kKey = "0b8e6c1e-7d1f-4c59-a7a5-1b1f6c2e8d11";

std::string file_content(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string numbered_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return bytes;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Reads everything `reader` gives, `chunk` bytes at a time.
std::string read_all(application::ObjectReader& reader, std::size_t chunk) {
  std::string out;
  std::string buffer(chunk, '\0');
  for (int guard = 0; guard < 1'000'000; ++guard) {
    auto n = reader.read(buffer);
    EXPECT_TRUE(n);
    if (!n || *n == 0) break;
    EXPECT_LE(*n, chunk);
    out.append(buffer, 0, *n);
  }
  return out;
}

class LocalFileStorageTest : public ::testing::Test {
 protected:
  platform::testing::TemporaryDirectory dir_;
  LocalFileStorage storage_{dir_.path() / "files"};

  // A spool file in the storage's own spool directory.
  fs::path spool(const std::string& name, const std::string& content) {
    const fs::path path = storage_.spool_directory() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  platform::core::Result<void> put(const std::string& key, const std::string& content) {
    return storage_.put(key, spool(key + ".part", content),
                        {.size = content.size(), .sha256_hex = "", .content_type = "text/plain"});
  }
};

TEST_F(LocalFileStorageTest, CreatesItsDirectoriesAndIsLocal) {
  EXPECT_TRUE(fs::is_directory(dir_.path() / "files" / "objects"));
  EXPECT_TRUE(fs::is_directory(dir_.path() / "files" / "tmp"));
  EXPECT_EQ(storage_.spool_directory(), dir_.path() / "files" / "tmp");
  EXPECT_EQ(storage_.backend(), "local");
}

TEST_F(LocalFileStorageTest, PutMovesTheSpoolFileIntoPlace) {
  const std::string content = numbered_bytes(10'000);
  const fs::path spool_file = spool("upload.part", content);
  ASSERT_TRUE(storage_.put(kKey, spool_file, {.size = content.size()}));
  const fs::path expected = dir_.path() / "files" / "objects" / "11" / kKey;
  EXPECT_EQ(storage_.path_of(kKey), expected);
  EXPECT_TRUE(fs::is_regular_file(expected));
  EXPECT_EQ(file_content(expected), content);
  EXPECT_FALSE(fs::exists(spool_file)) << "the spool file was moved, not copied";
}

TEST_F(LocalFileStorageTest, PutOfAnExistingKeyIsAlreadyExistsAndKeepsTheOldContent) {
  ASSERT_TRUE(put(kKey, "original"));
  const fs::path second = spool("second.part", "replacement");
  auto again = storage_.put(kKey, second, {.size = 11});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(file_content(storage_.path_of(kKey)), "original");
  EXPECT_TRUE(fs::exists(second)) << "the caller removes what is left";
}

TEST_F(LocalFileStorageTest, PutWithAWrongSizeIsRefused) {
  const fs::path spool_file = spool("upload.part", "twelve bytes");
  for (const std::uint64_t size : {11u, 13u, 0u}) {
    auto stored = storage_.put(kKey, spool_file, {.size = size});
    ASSERT_FALSE(stored) << size;
  }
  EXPECT_FALSE(fs::exists(storage_.path_of(kKey)));
  EXPECT_TRUE(fs::exists(spool_file));
}

TEST_F(LocalFileStorageTest, PutOfAMissingSpoolFileIsRefused) {
  auto stored = storage_.put(kKey, storage_.spool_directory() / "missing.part", {.size = 0});
  ASSERT_FALSE(stored);
  EXPECT_FALSE(fs::exists(storage_.path_of(kKey)));
}

TEST_F(LocalFileStorageTest, OpenReadsTheWholeObjectInSmallBuffers) {
  const std::string content = numbered_bytes(100'003);
  ASSERT_TRUE(put(kKey, content));
  for (const std::size_t chunk : {1u, 7u, 4096u, 1u << 20}) {
    auto reader = storage_.open(kKey, 0, content.size());
    ASSERT_TRUE(reader);
    EXPECT_EQ(read_all(**reader, chunk), content) << "chunk " << chunk;
  }
}

TEST_F(LocalFileStorageTest, OpenReadsARange) {
  const std::string content = numbered_bytes(50'000);
  ASSERT_TRUE(put(kKey, content));
  struct Range {
    std::uint64_t offset;
    std::uint64_t length;
  };
  for (const Range range : {Range{0, 1}, Range{1, 10}, Range{12'345, 20'000}, Range{49'999, 1},
                            Range{0, 50'000}, Range{50'000, 0}, Range{100, 0}}) {
    SCOPED_TRACE(std::to_string(range.offset) + "+" + std::to_string(range.length));
    auto reader = storage_.open(kKey, range.offset, range.length);
    ASSERT_TRUE(reader);
    EXPECT_EQ(read_all(**reader, 333), content.substr(range.offset, range.length));
    // Once exhausted, it stays exhausted.
    std::string buffer(8, '\0');
    auto n = (*reader)->read(buffer);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0u);
  }
}

TEST_F(LocalFileStorageTest, LocalFileGivesADescriptorAndOffsetThatPreadConfirms) {
  const std::string content = numbered_bytes(20'000);
  ASSERT_TRUE(put(kKey, content));
  auto reader = storage_.open(kKey, 1234, 5000);
  ASSERT_TRUE(reader);
  const auto local = (*reader)->local_file();
  ASSERT_TRUE(local.has_value());
  EXPECT_GE(local->descriptor, 0);
  EXPECT_EQ(local->offset, 1234u);
  std::string bytes(5000, '\0');
  ASSERT_EQ(
      ::pread(local->descriptor, bytes.data(), bytes.size(), static_cast<off_t>(local->offset)),
      5000);
  EXPECT_EQ(bytes, content.substr(1234, 5000));
  struct stat status {};
  ASSERT_EQ(::fstat(local->descriptor, &status), 0);
  EXPECT_EQ(static_cast<std::uint64_t>(status.st_size), content.size());
}

TEST_F(LocalFileStorageTest, OpenOfAMissingKeyIsNotFound) {
  auto reader = storage_.open(kKey, 0, 1);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), ErrorCode::kNotFound);
}

TEST_F(LocalFileStorageTest, OpenOfARangePastTheStoredSizeIsAnError) {
  ASSERT_TRUE(put(kKey, "0123456789"));
  for (const auto& [offset, length] :
       std::map<std::uint64_t, std::uint64_t>{{0, 11}, {5, 6}, {10, 1}, {11, 0}, {1000, 5}}) {
    auto reader = storage_.open(kKey, offset, length);
    ASSERT_FALSE(reader) << offset << "+" << length;
    EXPECT_NE(reader.error().code(), ErrorCode::kNotFound);
  }
}

TEST_F(LocalFileStorageTest, OpenOfAnOverflowingRangeIsAnError) {
  ASSERT_TRUE(put(kKey, "0123456789"));
  // offset + length wraps around to 4: must not pass as "inside the 10 bytes".
  auto reader = storage_.open(kKey, UINT64_MAX - 5, 10);
  EXPECT_FALSE(reader) << "a range whose end overflows was accepted";
}

TEST_F(LocalFileStorageTest, RemoveTwiceSucceeds) {
  ASSERT_TRUE(put(kKey, "bytes"));
  ASSERT_TRUE(storage_.remove(kKey));
  EXPECT_FALSE(fs::exists(storage_.path_of(kKey)));
  EXPECT_TRUE(storage_.remove(kKey));
  auto reader = storage_.open(kKey, 0, 1);
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), ErrorCode::kNotFound);
}

TEST_F(LocalFileStorageTest, UnsafeKeysAreRefused) {
  // Something a "../x" key could reach if it were used as a path.
  std::ofstream(dir_.path() / "files" / "objects" / "x") << "outside";
  for (const std::string& key :
       std::vector<std::string>{"../x", "a/b", "", "..", "x", "/etc/passwd", "abc.def", "abc\\def",
                                std::string("abc\0def", 7)}) {
    SCOPED_TRACE("key '" + key + "'");
    const fs::path spool_file = spool("unsafe.part", "bytes");
    EXPECT_FALSE(storage_.put(key, spool_file, {.size = 5}));
    EXPECT_TRUE(fs::exists(spool_file));
    EXPECT_FALSE(storage_.open(key, 0, 1));
    EXPECT_FALSE(storage_.remove(key));
  }
  EXPECT_EQ(file_content(dir_.path() / "files" / "objects" / "x"), "outside");
}

TEST_F(LocalFileStorageTest, ListReturnsEveryObjectWithSizeAndTimeAndSkipsPartials) {
  const std::int64_t before = unix_now();
  const std::string other_key = "another-key_42";
  ASSERT_TRUE(put(kKey, "twelve bytes"));
  ASSERT_TRUE(put(other_key, ""));
  ASSERT_TRUE(put("third-key-11", "x"));  // same shard as kKey
  // A copy in progress from another file system, and a stray spool file.
  std::ofstream(storage_.path_of(kKey).parent_path() / ("." + other_key + ".partial")) << "part";
  spool("stray.part", "spool");

  auto listed = storage_.list();
  ASSERT_TRUE(listed) << listed.error().detail();
  std::map<std::string, application::StoredObject> by_key;
  for (const auto& object : *listed) by_key[object.key] = object;
  ASSERT_EQ(by_key.size(), 3u);
  EXPECT_EQ(listed->size(), 3u);
  EXPECT_EQ(by_key.at(kKey).size, 12u);
  EXPECT_EQ(by_key.at(other_key).size, 0u);
  EXPECT_EQ(by_key.at("third-key-11").size, 1u);
  for (const auto& [key, object] : by_key) {
    EXPECT_GE(object.modified_unix, before - 1) << key;
    EXPECT_LE(object.modified_unix, unix_now() + 1) << key;
  }
}

TEST_F(LocalFileStorageTest, ListSkipsADanglingSymlink) {
  ASSERT_TRUE(put(kKey, "bytes"));
  fs::create_symlink(dir_.path() / "nowhere", storage_.path_of(kKey).parent_path() / "dangling-11");
  auto listed = storage_.list();
  ASSERT_TRUE(listed) << listed.error().detail();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().key, kKey);
}

TEST_F(LocalFileStorageTest, ListOfAnEmptyStoreIsEmpty) {
  auto listed = storage_.list();
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_F(LocalFileStorageTest, ListReportsTheModificationTime) {
  ASSERT_TRUE(put(kKey, "bytes"));
  const fs::path path = storage_.path_of(kKey);
  const std::int64_t old = 1'700'000'000;
  const timespec times[2] = {{.tv_sec = old, .tv_nsec = 0}, {.tv_sec = old, .tv_nsec = 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  auto listed = storage_.list();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().modified_unix, old);
}

TEST_F(LocalFileStorageTest, CheckSucceedsOnAWritableRoot) {
  EXPECT_TRUE(storage_.check());
}

TEST_F(LocalFileStorageTest, AStorageWhoseDirectoriesCannotBeCreatedThrows) {
  std::ofstream(dir_.path() / "a-file") << "not a directory";
  EXPECT_THROW(LocalFileStorage(dir_.path() / "a-file" / "root"), std::runtime_error);
}

}  // namespace
}  // namespace file_service::infrastructure
