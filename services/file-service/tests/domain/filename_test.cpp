#include "domain/filename.h"

#include <gtest/gtest.h>

#include "platform/core/strings.h"

namespace file_service::domain {
namespace {

using platform::core::ErrorCode;

std::string sanitised(std::string_view original) {
  auto name = sanitise_filename(original);
  EXPECT_TRUE(name.has_value()) << original;
  return name ? *name : std::string();
}

void expect_rejected(std::string_view original) {
  auto name = sanitise_filename(original);
  ASSERT_FALSE(name.has_value()) << original << " -> " << *name;
  EXPECT_EQ(name.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_EQ(name.error().field_errors().size(), 1u);
  EXPECT_EQ(name.error().field_errors()[0].field, "filename");
}

TEST(SanitiseFilename, KeepsAnOrdinaryName) {
  EXPECT_EQ(sanitised("Syllabus 2026.pdf"), "Syllabus 2026.pdf");
  EXPECT_EQ(sanitised("Übersicht – Plan.docx"), "Übersicht – Plan.docx");
}

TEST(SanitiseFilename, KeepsOnlyTheLastPathComponent) {
  EXPECT_EQ(sanitised("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitised("..\\x"), "x");
  EXPECT_EQ(sanitised("/abs/path.pdf"), "path.pdf");
  EXPECT_EQ(sanitised("C:\\dir\\a.pdf"), "a.pdf");
  EXPECT_EQ(sanitised("a/b\\c/d.txt"), "d.txt");
}

TEST(SanitiseFilename, RejectsNamesThatLeaveNothing) {
  for (std::string_view name : {"", ".", "..", "   ", "...", "dir/", "dir/..", "a\\.", " . "})
    expect_rejected(name);
}

TEST(SanitiseFilename, RejectsNul) {
  expect_rejected(std::string_view("a.pdf\0.exe", 10));
  expect_rejected(std::string_view("\0", 1));
}

TEST(SanitiseFilename, RejectsInvalidUtf8) {
  expect_rejected("caf\xE9.txt");           // Latin-1
  expect_rejected("\xC0\xAF.txt");          // overlong '/'
  expect_rejected("a\xED\xA0\x80.txt");     // a surrogate
  expect_rejected("truncated\xE2\x82.md");  // a cut sequence
}

TEST(SanitiseFilename, RemovesControlCharacters) {
  EXPECT_EQ(sanitised("line\nbreak\r\t.txt"), "linebreak.txt");
  EXPECT_EQ(sanitised("del\x7F.txt"), "del.txt");
  EXPECT_EQ(sanitised("esc\x1B[31mred.txt"), "esc[31mred.txt");
  EXPECT_EQ(sanitised("c1\xC2\x85next.txt"), "c1next.txt");  // U+0085
  expect_rejected("\x01\x02\x03");
}

TEST(SanitiseFilename, RemovesBidirectionalOverrides) {
  // "invoice" RLO "fdp.exe" shows as "invoiceexe.pdf".
  EXPECT_EQ(sanitised("invoice\xE2\x80\xAE"
                      "fdp.exe"),
            "invoicefdp.exe");
  EXPECT_EQ(sanitised("a\xE2\x81\xA6"
                      "b.txt"),
            "ab.txt");  // U+2066
}

TEST(SanitiseFilename, ReplacesCharactersUnsafeInHeadersAndOnWindows) {
  EXPECT_EQ(sanitised("a\"b<c>d:e|f?g*h.txt"), "a_b_c_d_e_f_g_h.txt");
  EXPECT_EQ(sanitised("Q3 \"final\".pdf"), "Q3 _final_.pdf");
}

TEST(SanitiseFilename, TrimsSpacesAndDotsAtTheEnds) {
  EXPECT_EQ(sanitised("  report.pdf  "), "report.pdf");
  EXPECT_EQ(sanitised("report.pdf..."), "report.pdf");
  EXPECT_EQ(sanitised(".bashrc"), "bashrc");
  EXPECT_EQ(sanitised(". .hidden. ."), "hidden");
  EXPECT_EQ(sanitised("in . the . middle.txt"), "in . the . middle.txt");
}

TEST(SanitiseFilename, PrefixesWindowsDeviceNames) {
  EXPECT_EQ(sanitised("CON"), "_CON");
  EXPECT_EQ(sanitised("nul.txt"), "_nul.txt");
  EXPECT_EQ(sanitised("com1.pdf"), "_com1.pdf");
  EXPECT_EQ(sanitised("LPT9.tar.gz"), "_LPT9.tar.gz");
  EXPECT_EQ(sanitised("console.txt"), "console.txt");
  EXPECT_EQ(sanitised("com0.txt"), "com0.txt");
}

TEST(SanitiseFilename, CapsAsciiNamesAt255BytesKeepingTheExtension) {
  const std::string name = std::string(300, 'a') + ".pdf";
  const std::string kept = sanitised(name);
  EXPECT_EQ(kept.size(), kFilenameMaxBytes);
  EXPECT_TRUE(kept.ends_with("a.pdf"));
}

TEST(SanitiseFilename, CapsMultiByteNamesWithoutCuttingACharacter) {
  // 150 x "é" (2 bytes) = 300 bytes, + ".docx".
  std::string name;
  for (int i = 0; i < 150; ++i) name += "\xC3\xA9";
  name += ".docx";
  const std::string kept = sanitised(name);
  EXPECT_LE(kept.size(), kFilenameMaxBytes);
  EXPECT_TRUE(kept.ends_with("\xC3\xA9.docx"));
  EXPECT_TRUE(platform::core::is_valid_utf8(kept));
  // 250 bytes of stem budget hold 125 "é".
  EXPECT_EQ(kept.size(), 125 * 2 + 5);

  // Three- and four-byte characters, with the cut falling inside one.
  std::string wide;
  for (int i = 0; i < 100; ++i) wide += "\xE2\x82\xAC";  // € (300 bytes)
  const std::string kept_wide = sanitised(wide + ".md");
  EXPECT_TRUE(platform::core::is_valid_utf8(kept_wide));
  EXPECT_EQ(kept_wide.size(), 84 * 3 + 3);  // 252 bytes of stem budget: 84 characters
  std::string emoji;
  for (int i = 0; i < 80; ++i) emoji += "\xF0\x9F\x98\x80";  // 😀 (320 bytes)
  const std::string kept_emoji = sanitised(emoji);
  EXPECT_TRUE(platform::core::is_valid_utf8(kept_emoji));
  EXPECT_EQ(kept_emoji.size(), 63 * 4u);
}

TEST(SanitiseFilename, CutsAnAbsurdExtensionLikeTheRest) {
  const std::string name = "a." + std::string(300, 'x');
  const std::string kept = sanitised(name);
  EXPECT_EQ(kept.size(), kFilenameMaxBytes);
  EXPECT_TRUE(kept.starts_with("a.xxx"));
}

TEST(SanitiseFilename, TrimsWhatTheCutLeavesAtTheEndOfTheStem) {
  const std::string name = std::string(250, 'a') + std::string(20, ' ') + ".pdf";
  EXPECT_EQ(sanitised(name), std::string(250, 'a') + ".pdf");
}

}  // namespace
}  // namespace file_service::domain
