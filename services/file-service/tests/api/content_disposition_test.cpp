#include "api/content_disposition.h"

#include <gtest/gtest.h>

namespace file_service::api {
namespace {

TEST(ContentDisposition, UsesTheShortFormForPlainAsciiNames) {
  EXPECT_EQ(content_disposition(Disposition::kAttachment, "Syllabus 2026.pdf"),
            "attachment; filename=\"Syllabus 2026.pdf\"");
  EXPECT_EQ(content_disposition(Disposition::kInline, "notes.txt"),
            "inline; filename=\"notes.txt\"");
  EXPECT_EQ(content_disposition(Disposition::kAttachment, "a;b,c=d.txt"),
            "attachment; filename=\"a;b,c=d.txt\"");
}

TEST(ContentDisposition, AddsFilenameStarForNonAsciiNames) {
  EXPECT_EQ(content_disposition(Disposition::kAttachment,
                                "\xC3\x9C"
                                "ber Plan.pdf"),
            "attachment; filename=\"_ber Plan.pdf\"; filename*=UTF-8''%C3%9Cber%20Plan.pdf");
  // One '_' per character, whatever its UTF-8 length.
  EXPECT_EQ(content_disposition(Disposition::kInline, "\xE2\x82\xAC\xF0\x9F\x98\x80.png"),
            "inline; filename=\"__.png\"; filename*=UTF-8''%E2%82%AC%F0%9F%98%80.png");
}

TEST(ContentDisposition, ReplacesQuotesBackslashesAndPercentInTheFallback) {
  EXPECT_EQ(content_disposition(Disposition::kAttachment, "a\"b\\c%41.txt"),
            "attachment; filename=\"a_b_c_41.txt\"; filename*=UTF-8''a%22b%5Cc%2541.txt");
}

TEST(ContentDisposition, NeverLetsControlsIntoTheHeader) {
  const std::string header = content_disposition(Disposition::kAttachment, "a\r\nSet-Cookie: x");
  EXPECT_EQ(header.find('\r'), std::string::npos);
  EXPECT_EQ(header.find('\n'), std::string::npos);
}

TEST(ContentDisposition, GivesTheBareTypeWithoutAName) {
  EXPECT_EQ(content_disposition(Disposition::kAttachment, ""), "attachment");
  EXPECT_EQ(content_disposition(Disposition::kInline, ""), "inline");
}

}  // namespace
}  // namespace file_service::api
