#include "application/upload_spool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/testing/temp_dir.h"

namespace file_service::application {
namespace {

using domain::kHeadBytes;
using domain::kTailBytes;
using platform::core::ErrorCode;
namespace fs = std::filesystem;

constexpr std::uint64_t kNoLimit = 1ull << 40;

// Deterministic, varied bytes (not text: every byte value appears).
std::string binary_content(std::size_t size) {
  std::string content(size, '\0');
  std::uint32_t state = 2463534242u;
  for (auto& c : content) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    c = static_cast<char>(state & 0xff);
  }
  return content;
}

// Printable ASCII and some multi-byte UTF-8, as text.
std::string text_content(std::size_t size) {
  static const std::string kPattern = "Syllabus \xc3\xa9t\xc3\xa9 \xe2\x82\xac 42\n";
  std::string content;
  while (content.size() < size) content += kPattern;
  return content;
}

std::vector<fs::path> files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) files.push_back(entry.path());
  return files;
}

std::string file_content(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes `content` in chunks whose sizes cycle through `chunk_sizes`.
SpooledUpload spooled(const fs::path& directory, std::string_view content,
                      const std::vector<std::size_t>& chunk_sizes) {
  auto spool = UploadSpool::create(directory, kNoLimit);
  EXPECT_TRUE(spool);
  std::size_t next = 0;
  while (!content.empty()) {
    const std::size_t n = std::min(chunk_sizes[next++ % chunk_sizes.size()], content.size());
    EXPECT_TRUE(spool->write(content.substr(0, n)));
    content.remove_prefix(n);
  }
  auto upload = spool->finish();
  EXPECT_TRUE(upload);
  return std::move(*upload);
}

class UploadSpoolTest : public ::testing::Test {
 protected:
  platform::testing::TemporaryDirectory dir_;
};

TEST_F(UploadSpoolTest, SizeShaAndContentOfUnevenChunks) {
  const std::string content = binary_content(200'003);
  auto spool = UploadSpool::create(dir_.path(), kNoLimit);
  ASSERT_TRUE(spool);
  std::string_view rest = content;
  std::uint64_t written = 0;
  for (std::size_t n : {1u, 7u, 8190u, 3u, 65536u, 12345u, 0u, 99999u}) {
    n = std::min<std::size_t>(n, rest.size());
    ASSERT_TRUE(spool->write(rest.substr(0, n)));
    rest.remove_prefix(n);
    written += n;
    EXPECT_EQ(spool->size(), written);
  }
  ASSERT_TRUE(spool->write(rest));
  auto upload = spool->finish();
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->size, content.size());
  EXPECT_EQ(upload->sha256, platform::core::sha256_hex(content));
  EXPECT_EQ(upload->path.parent_path(), dir_.path());
  EXPECT_EQ(upload->path.extension(), ".part");
  EXPECT_EQ(file_content(upload->path), content);
  EXPECT_FALSE(upload->text);
}

TEST_F(UploadSpoolTest, EmptyUploadHasTheShaOfNothing) {
  auto spool = UploadSpool::create(dir_.path(), kNoLimit);
  ASSERT_TRUE(spool);
  auto upload = spool->finish();
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->size, 0u);
  EXPECT_EQ(upload->sha256, platform::core::sha256_hex(""));
  EXPECT_EQ(upload->sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(upload->head.empty());
  EXPECT_TRUE(upload->tail.empty());
  EXPECT_TRUE(fs::exists(upload->path));
}

TEST_F(UploadSpoolTest, HeadAndTailForEverySizeAndChunking) {
  const std::vector<std::size_t> sizes = {1,
                                          100,
                                          kHeadBytes - 1,
                                          kHeadBytes,
                                          kHeadBytes + 1,
                                          kTailBytes - 1,
                                          kTailBytes,
                                          kTailBytes + 1,
                                          kHeadBytes + kTailBytes,
                                          3 * kTailBytes + 17};
  const std::vector<std::vector<std::size_t>> chunkings = {
      {1 << 20},                                 // all at once
      {1000},                                    // small, straddling 8 KiB and 64 KiB
      {kHeadBytes - 1, 2},                       // straddles the head's end
      {kHeadBytes},                              // ends exactly at the head
      {kTailBytes - 5, 10},                      // straddles the tail size
      {kTailBytes},                              // whole tails
      {kTailBytes + 3},                          // larger than a tail
      {1, 4095, 70000, 7, 65536, 13, 65535, 2},  // everything mixed
  };
  for (const std::size_t size : sizes) {
    const std::string content = binary_content(size);
    for (const auto& chunking : chunkings) {
      SCOPED_TRACE("size " + std::to_string(size) + ", first chunk " +
                   std::to_string(chunking.front()));
      const SpooledUpload upload = spooled(dir_.path(), content, chunking);
      EXPECT_EQ(upload.size, size);
      EXPECT_EQ(upload.sha256, platform::core::sha256_hex(content));
      EXPECT_EQ(upload.head, content.substr(0, std::min(size, kHeadBytes)));
      EXPECT_EQ(upload.tail, content.substr(size - std::min(size, kTailBytes)));
    }
  }
}

TEST_F(UploadSpoolTest, Utf8TextIsTextEvenWhenChunksSplitSequences) {
  const std::string content = text_content(100'000);
  for (const auto& chunking : std::vector<std::vector<std::size_t>>{{1 << 20}, {1}, {3, 5, 7}}) {
    const SpooledUpload upload = spooled(dir_.path(), content, chunking);
    EXPECT_TRUE(upload.text) << "first chunk " << chunking.front();
  }
}

TEST_F(UploadSpoolTest, ANulPastTheHeadMeansNotText) {
  std::string content = text_content(3 * kTailBytes);
  content[kHeadBytes + 100] = '\0';
  const SpooledUpload upload = spooled(dir_.path(), content, {4096});
  // The NUL is in neither the head nor the tail: only the whole-content scan sees it.
  EXPECT_EQ(upload.head.find('\0'), std::string::npos);
  EXPECT_EQ(upload.tail.find('\0'), std::string::npos);
  EXPECT_FALSE(upload.text);
}

TEST_F(UploadSpoolTest, AnUnfinishedUtf8SequenceAtTheEndIsNotText) {
  const SpooledUpload upload = spooled(dir_.path(), "abc\xe2\x82", {2});
  EXPECT_FALSE(upload.text);
}

TEST_F(UploadSpoolTest, MaxBytesItselfFits) {
  auto spool = UploadSpool::create(dir_.path(), 10);
  ASSERT_TRUE(spool);
  ASSERT_TRUE(spool->write("12345"));
  ASSERT_TRUE(spool->write("67890"));
  ASSERT_TRUE(spool->write("")) << "an empty write at the limit still fits";
  EXPECT_EQ(spool->size(), 10u);
  auto upload = spool->finish();
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->size, 10u);
  EXPECT_EQ(file_content(upload->path), "1234567890");
}

TEST_F(UploadSpoolTest, PassingMaxBytesIsTooLargeAndRemovesTheSpoolAtOnce) {
  for (const std::size_t first : {0u, 4u, 10u}) {
    SCOPED_TRACE("first write " + std::to_string(first));
    auto spool = UploadSpool::create(dir_.path(), 10);
    ASSERT_TRUE(spool);
    ASSERT_EQ(files_in(dir_.path()).size(), 1u);
    ASSERT_TRUE(spool->write(std::string(first, 'x')));
    auto written = spool->write(std::string(11 - first, 'x'));  // one byte too many in total
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code(), ErrorCode::kTooLarge);
    EXPECT_TRUE(files_in(dir_.path()).empty()) << "the spool file is removed at once";
    // The spool is done: neither more writes nor finish() succeed.
    EXPECT_FALSE(spool->write("y"));
    EXPECT_FALSE(spool->finish());
  }
}

TEST_F(UploadSpoolTest, ASingleChunkLargerThanTheLimitIsTooLarge) {
  auto spool = UploadSpool::create(dir_.path(), 1000);
  ASSERT_TRUE(spool);
  auto written = spool->write(std::string(5000, 'x'));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code(), ErrorCode::kTooLarge);
  EXPECT_TRUE(files_in(dir_.path()).empty());
}

TEST_F(UploadSpoolTest, AbandonedSpoolIsRemovedOnDestruction) {
  {
    auto spool = UploadSpool::create(dir_.path(), kNoLimit);
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->write("partial upload"));
    EXPECT_EQ(files_in(dir_.path()).size(), 1u);
  }
  EXPECT_TRUE(files_in(dir_.path()).empty());
}

TEST_F(UploadSpoolTest, SpooledUploadRemovesItsFileOnDestruction) {
  fs::path path;
  {
    auto spool = UploadSpool::create(dir_.path(), kNoLimit);
    ASSERT_TRUE(spool);
    ASSERT_TRUE(spool->write("complete upload"));
    auto upload = spool->finish();
    ASSERT_TRUE(upload);
    path = upload->path;
    spool = platform::core::Error::internal("drop the spool first");  // the spool lets go
    EXPECT_TRUE(fs::exists(path)) << "finish() hands the file to the SpooledUpload";
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(files_in(dir_.path()).empty());
}

TEST_F(UploadSpoolTest, CreateInAMissingDirectoryIsUnavailable) {
  auto spool = UploadSpool::create(dir_.path() / "missing" / "deeper", kNoLimit);
  ASSERT_FALSE(spool);
  EXPECT_EQ(spool.error().code(), ErrorCode::kUnavailable);
}

TEST_F(UploadSpoolTest, MovingASpooledUploadKeepsOneOwner) {
  SpooledUpload moved;
  fs::path path;
  {
    SpooledUpload original = spooled(dir_.path(), "hello", {5});
    path = original.path;
    SpooledUpload middle(std::move(original));
    EXPECT_TRUE(original.path.empty());  // NOLINT(bugprone-use-after-move): checked on purpose
    EXPECT_EQ(middle.path, path);
    EXPECT_EQ(middle.size, 5u);
    EXPECT_EQ(middle.sha256, platform::core::sha256_hex("hello"));
    moved = std::move(middle);
    EXPECT_TRUE(middle.path.empty());  // NOLINT(bugprone-use-after-move)
  }
  // Both moved-from objects are gone; the file stays with its owner.
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(moved.path, path);
  EXPECT_EQ(moved.head, "hello");
  EXPECT_EQ(file_content(path), "hello");
}

TEST_F(UploadSpoolTest, MoveAssigningOverAnUploadRemovesTheOverwrittenFile) {
  SpooledUpload first = spooled(dir_.path(), "first", {5});
  SpooledUpload second = spooled(dir_.path(), "second", {6});
  const fs::path first_path = first.path;
  const fs::path second_path = second.path;
  first = std::move(second);
  EXPECT_FALSE(fs::exists(first_path));
  EXPECT_TRUE(fs::exists(second_path));
  EXPECT_EQ(first.path, second_path);
  EXPECT_EQ(file_content(first.path), "second");
  EXPECT_EQ(files_in(dir_.path()).size(), 1u);
}

TEST_F(UploadSpoolTest, MovingAnUploadSpoolKeepsItsFile) {
  auto spool = UploadSpool::create(dir_.path(), kNoLimit);
  ASSERT_TRUE(spool);
  ASSERT_TRUE(spool->write("abc"));
  UploadSpool moved(std::move(*spool));
  spool = platform::core::Error::internal("destroy the moved-from spool");
  EXPECT_EQ(files_in(dir_.path()).size(), 1u);
  ASSERT_TRUE(moved.write("def"));
  auto upload = moved.finish();
  ASSERT_TRUE(upload);
  EXPECT_EQ(file_content(upload->path), "abcdef");
}

}  // namespace
}  // namespace file_service::application
