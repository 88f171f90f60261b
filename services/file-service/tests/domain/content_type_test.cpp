#include "domain/content_type.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace file_service::domain {
namespace {

using namespace std::string_literals;

// --- a tiny ZIP writer: stored (uncompressed) entries, as real packages can have -------

std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (char byte : data) {
    crc ^= static_cast<unsigned char>(byte);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put16(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>((value >> 8) & 0xFF));
}

void put32(std::string& out, std::uint32_t value) {
  put16(out, value & 0xFFFF);
  put16(out, value >> 16);
}

struct ZipOptions {
  bool central_directory = true;
  std::string comment;
};

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries,
                     const ZipOptions& options = {}) {
  std::string zip;
  std::string directory;
  for (const auto& [name, data] : entries) {
    const auto offset = static_cast<std::uint32_t>(zip.size());
    const auto size = static_cast<std::uint32_t>(data.size());
    const auto name_length = static_cast<std::uint32_t>(name.size());
    put32(zip, 0x04034B50);
    put16(zip, 10);  // version needed
    put16(zip, 0);   // flags
    put16(zip, 0);   // method: stored
    put16(zip, 0);   // time
    put16(zip, 0);   // date
    put32(zip, crc32(data));
    put32(zip, size);
    put32(zip, size);
    put16(zip, name_length);
    put16(zip, 0);  // extra
    zip += name;
    zip += data;

    put32(directory, 0x02014B50);
    put16(directory, 20);  // version made by
    put16(directory, 10);  // version needed
    put16(directory, 0);
    put16(directory, 0);
    put16(directory, 0);
    put16(directory, 0);
    put32(directory, crc32(data));
    put32(directory, size);
    put32(directory, size);
    put16(directory, name_length);
    put16(directory, 0);  // extra
    put16(directory, 0);  // comment
    put16(directory, 0);  // disk
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory += name;
  }
  if (!options.central_directory) return zip;
  const auto directory_offset = static_cast<std::uint32_t>(zip.size());
  zip += directory;
  put32(zip, 0x06054B50);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, static_cast<std::uint32_t>(entries.size()));
  put16(zip, static_cast<std::uint32_t>(entries.size()));
  put32(zip, static_cast<std::uint32_t>(directory.size()));
  put32(zip, directory_offset);
  put16(zip, static_cast<std::uint32_t>(options.comment.size()));
  zip += options.comment;
  return zip;
}

DetectedType detect(std::string_view content, std::string_view filename) {
  const std::string_view head = content.substr(0, std::min(content.size(), kHeadBytes));
  const std::string_view tail =
      content.substr(content.size() - std::min(content.size(), kTailBytes));
  return detect_content_type(head, tail, filename);
}

const std::string kOdtMime = "application/vnd.oasis.opendocument.text";
const std::string kDocxMime =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

std::string minimal_odt() {
  return make_zip({{"mimetype", kOdtMime},
                   {"META-INF/manifest.xml", "<manifest:manifest/>"},
                   {"content.xml", "<office:document-content/>"}});
}

std::string minimal_docx(bool with_macros = false) {
  std::vector<std::pair<std::string, std::string>> entries = {
      {"[Content_Types].xml", "<Types/>"},
      {"_rels/.rels", "<Relationships/>"},
      {"word/document.xml", "<w:document/>"}};
  if (with_macros) entries.emplace_back("word/vbaProject.bin", "\xD0\xCF\x11\xE0"s);
  return make_zip(entries);
}

// --- signatures ----------------------------------------------------------------------

TEST(DetectContentType, RecognisesAMinimalPdf) {
  const std::string pdf =
      "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
      "trailer\n<< /Root 1 0 R >>\n%%EOF\n";
  EXPECT_EQ(detect(pdf, "x.pdf"), (DetectedType{"pdf", "application/pdf"}));
}

TEST(DetectContentType, RecognisesAPngHeader) {
  const std::string png = "\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"s;
  EXPECT_EQ(detect(png, "image.jpeg"), (DetectedType{"png", "image/png"}));
}

TEST(DetectContentType, RecognisesAJpegHeader) {
  const std::string jfif = "\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0"s;
  const std::string exif =
      "\xFF\xD8\xFF\xE1\0\x18"
      "Exif\0\0"s;
  EXPECT_EQ(detect(jfif, "photo.jpg"), (DetectedType{"jpeg", "image/jpeg"}));
  EXPECT_EQ(detect(exif, "photo.png").name, "jpeg");
}

TEST(DetectContentType, DoesNotTakeAPngSignatureThatIsCutShort) {
  EXPECT_NE(detect("\x89PNG\r\n"s, "a.png").name, "png");
}

TEST(DetectContentType, RecognisesOtherFormatsByName) {
  EXPECT_EQ(detect("GIF89a\x01\0\x01\0"s, "a.gif").name, "gif");
  EXPECT_EQ(detect("\x1F\x8B\x08\0"s, "a.txt").name, "gzip");
  EXPECT_EQ(detect("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"s, "old.doc").name, "ole");
}

// --- executables never pass as anything else -----------------------------------------

TEST(DetectContentType, RecognisesAnElfBinaryNamedPdf) {
  const std::string elf =
      "\x7F"
      "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3E\0"s;
  const DetectedType type = detect(elf, "syllabus.pdf");
  EXPECT_EQ(type.name, "elf");
  EXPECT_EQ(type.mime, "application/x-executable");
}

TEST(DetectContentType, RecognisesWindowsAndMacExecutables) {
  EXPECT_EQ(detect("MZ\x90\0\x03\0\0\0"s, "a.txt").name, "exe");
  EXPECT_EQ(detect("\xCF\xFA\xED\xFE\x07\0\0\x01"s, "a.txt").name, "macho");
  EXPECT_EQ(detect("\xCA\xFE\xBA\xBE\0\0\0\x02"s, "a.pdf").name, "macho");
}

TEST(DetectContentType, RecognisesAShebangScriptNamedTxt) {
  const DetectedType type = detect("#!/bin/sh\nrm -rf \"$HOME\"\n", "notes.txt");
  EXPECT_EQ(type.name, "script");
  EXPECT_NE(type.mime.rfind("text/plain", 0), 0u);
}

TEST(DetectContentType, NeverCallsAnExecutableText) {
  // Whatever the name, an executable's bytes are not text.
  for (std::string_view name : {"a.txt", "a.md", "a.pdf", "a.docx", ""}) {
    for (const std::string& bytes : {"\x7F"
                                     "ELF"s,
                                     "MZ"s, "#!"s, "\xFE\xED\xFA\xCF"s}) {
      const DetectedType type = detect(bytes + "rest of it\n", name);
      EXPECT_NE(type.name, "txt") << name;
      EXPECT_NE(type.name, "md") << name;
    }
  }
}

// --- ZIP packages --------------------------------------------------------------------

TEST(DetectContentType, RecognisesAMinimalOdt) {
  EXPECT_EQ(detect(minimal_odt(), "a.odt"), (DetectedType{"odt", kOdtMime}));
}

TEST(DetectContentType, RequiresTheOdtMimetypeFirstAndExact) {
  EXPECT_EQ(detect(make_zip({{"content.xml", "x"}, {"mimetype", kOdtMime}}), "a.odt").name, "zip");
  EXPECT_EQ(detect(make_zip({{"mimetype", kOdtMime + "-template"}}), "a.odt").name, "zip");
  EXPECT_EQ(
      detect(make_zip({{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}}), "a.odt")
          .name,
      "zip");
}

TEST(DetectContentType, RecognisesAMinimalDocxFromItsCentralDirectory) {
  EXPECT_EQ(detect(minimal_docx(), "a.docx"), (DetectedType{"docx", kDocxMime}));
}

TEST(DetectContentType, FindsTheCentralDirectoryBehindAZipComment) {
  ZipOptions options;
  options.comment = "made by a test";
  std::string docx =
      make_zip({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<d/>"}}, options);
  EXPECT_EQ(detect(docx, "a.docx").name, "docx");
}

TEST(DetectContentType, ReadsTheCentralDirectoryOfALargeDocxFromTheTail) {
  // The document.xml entry lies past the head: only the central directory names it.
  const std::string big(200 * 1024, 'x');
  const std::string docx = make_zip({{"[Content_Types].xml", "<Types/>"},
                                     {"word/media/image1.png", big},
                                     {"word/document.xml", "<d/>"}});
  ASSERT_GT(docx.size(), kHeadBytes + kTailBytes);
  EXPECT_EQ(detect(docx, "a.docx").name, "docx");
}

TEST(DetectContentType, FallsBackToLocalHeadersWithoutACentralDirectory) {
  ZipOptions options;
  options.central_directory = false;
  const std::string docx =
      make_zip({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<d/>"}}, options);
  EXPECT_EQ(detect(docx, "a.docx").name, "docx");
}

TEST(DetectContentType, CallsAMacroEnabledDocumentDocm) {
  const DetectedType type = detect(minimal_docx(true), "harmless.docx");
  EXPECT_EQ(type.name, "docm");
}

TEST(DetectContentType, CallsAnyOtherZipZip) {
  EXPECT_EQ(detect(make_zip({{"a.txt", "hello"}}), "a.docx"),
            (DetectedType{"zip", "application/zip"}));
  EXPECT_EQ(detect(make_zip({{"word/document.xml", "<d/>"}}), "a.docx").name, "zip");
  EXPECT_EQ(detect(make_zip({}), "empty.zip").name, "zip");
}

TEST(DetectContentType, SurvivesATruncatedOrLyingZip) {
  std::string docx = minimal_docx();
  // A central directory size larger than what precedes the record.
  std::string lying = docx;
  lying[lying.size() - 10] = '\xFF';
  lying[lying.size() - 9] = '\xFF';
  EXPECT_EQ(detect(lying, "a.docx").name, "docx");  // the local headers still tell
  for (std::size_t size : {4u, 10u, 29u, 31u, 60u})
    EXPECT_NO_FATAL_FAILURE(detect(std::string_view(docx).substr(0, size), "a.docx"));
  // A local header whose name runs past the head.
  std::string cut = make_zip({{std::string(100, 'n'), "x"}}, {.central_directory = false});
  EXPECT_EQ(detect(std::string_view(cut).substr(0, 50), "a.zip").name, "zip");
}

// --- text ------------------------------------------------------------------------------

TEST(DetectContentType, CallsUtf8TextTxtOrMdByName) {
  const std::string text = "# Syllabus\n\nWeek 1: Übersicht\r\n\tTabs\f and form feeds\n";
  EXPECT_EQ(detect(text, "notes.txt"), (DetectedType{"txt", "text/plain; charset=utf-8"}));
  EXPECT_EQ(detect(text, "notes.md"), (DetectedType{"md", "text/markdown; charset=utf-8"}));
  EXPECT_EQ(detect(text, "NOTES.MARKDOWN").name, "md");
  EXPECT_EQ(detect(text, "notes.md.txt").name, "txt");
  EXPECT_EQ(detect(text, "").name, "txt");
}

TEST(DetectContentType, AllowsAUtf8ByteOrderMark) {
  EXPECT_EQ(detect("\xEF\xBB\xBFhello\n", "a.txt").name, "txt");
}

TEST(DetectContentType, CallsEmptyContentText) {
  EXPECT_EQ(detect("", "empty.md").name, "md");
}

TEST(DetectContentType, RejectsInvalidUtf8Text) {
  EXPECT_EQ(detect("caf\xE9\n", "a.txt").name, "unknown");          // Latin-1
  EXPECT_EQ(detect("\xC0\xAF", "a.txt").name, "unknown");           // overlong
  EXPECT_EQ(detect("a\xED\xA0\x80z", "a.txt").name, "unknown");     // surrogate
  EXPECT_EQ(detect("ends cut \xE2\x82", "a.txt").name, "unknown");  // whole content, cut
  EXPECT_EQ(detect("\xFF\xFEh\0i\0"s, "a.txt").name, "unknown");    // UTF-16
}

TEST(DetectContentType, RejectsNulAndControlCharacters) {
  EXPECT_EQ(detect("a\0b"s, "a.txt").name, "unknown");
  EXPECT_EQ(detect("\x1B[31mred\x1B[0m", "a.txt").name, "unknown");
  EXPECT_EQ(detect("bell\x07", "a.txt").name, "unknown");
  EXPECT_EQ(detect("del\x7F", "a.txt").name, "unknown");
  EXPECT_EQ(detect("c1 \xC2\x85", "a.txt").name, "unknown");
  EXPECT_EQ(detect("\x01", "x").mime, "application/octet-stream");
}

TEST(DetectContentType, AllowsASequenceCutByTheEdgesOfHeadAndTail) {
  // 100 KiB of "€" (3 bytes): neither the head nor the tail cut falls on a boundary.
  std::string text;
  while (text.size() < 100 * 1024) text += "\xE2\x82\xAC";
  text += "\n\n";
  ASSERT_NE((text.size() - kTailBytes) % 3, 0u);
  ASSERT_NE(kHeadBytes % 3, 0u);
  EXPECT_EQ(detect(text, "euro.txt").name, "txt");
}

TEST(DetectContentType, ChecksTheTailOfALargeText) {
  std::string text(100 * 1024, 'a');
  text[text.size() - 10] = '\0';
  EXPECT_EQ(detect(text, "a.txt").name, "unknown");
}

// --- TextScanner -----------------------------------------------------------------------

TEST(TextScanner, AcceptsTextSplitInsideACharacter) {
  const std::string text =
      "a\xF0\x9F\x98\x80"
      "b\xC3\xA9";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    TextScanner scanner;
    scanner.feed(std::string_view(text).substr(0, cut));
    scanner.feed(std::string_view(text).substr(cut));
    EXPECT_TRUE(scanner.finish()) << cut;
  }
}

TEST(TextScanner, RejectsBadBytesAnywhere) {
  TextScanner nul;
  nul.feed("fine");
  nul.feed("\0"s);
  EXPECT_FALSE(nul.finish());
  TextScanner unfinished;
  unfinished.feed("\xE2\x82");
  EXPECT_TRUE(unfinished.text_so_far());
  EXPECT_FALSE(unfinished.finish());
  TextScanner broken;
  broken.feed("\xE2");
  broken.feed("A");
  EXPECT_FALSE(broken.finish());
}

// --- Allowlist -----------------------------------------------------------------------

TEST(Allowlist, ParsesTheDefaultSetting) {
  auto allowlist = Allowlist::parse("pdf,docx,odt,txt,md,png,jpeg");
  ASSERT_TRUE(allowlist.has_value());
  EXPECT_EQ(allowlist->names(),
            (std::vector<std::string>{"pdf", "docx", "odt", "txt", "md", "png", "jpeg"}));
  EXPECT_TRUE(allowlist->allows(detect("%PDF-1.4\n", "a.pdf")));
  EXPECT_TRUE(allowlist->allows(detect(minimal_docx(), "a.docx")));
  EXPECT_FALSE(allowlist->allows(detect(minimal_docx(true), "a.docx")));
  EXPECT_FALSE(
      allowlist->allows(detect("\x7F"
                               "ELF\x02",
                               "a.pdf")));
  EXPECT_FALSE(allowlist->allows(detect("#!/bin/sh\n", "a.txt")));
  EXPECT_FALSE(allowlist->allows(detect(make_zip({{"a", "b"}}), "a.docx")));
  EXPECT_FALSE(allowlist->allows(detect("caf\xE9", "a.txt")));
}

TEST(Allowlist, IgnoresCaseSpacesAndEmptyEntriesAndReadsJpgAsJpeg) {
  auto allowlist = Allowlist::parse(" PDF , jpg,,Png ");
  ASSERT_TRUE(allowlist.has_value());
  EXPECT_EQ(allowlist->names(), (std::vector<std::string>{"pdf", "jpeg", "png"}));
}

TEST(Allowlist, NamesEveryUnknownType) {
  auto allowlist = Allowlist::parse("pdf,exe2,docx,foo");
  ASSERT_FALSE(allowlist.has_value());
  EXPECT_EQ(allowlist.error().code(), platform::core::ErrorCode::kInvalidArgument);
  const std::string& message = allowlist.error().field_errors().at(0).message;
  EXPECT_NE(message.find("exe2, foo"), std::string::npos) << message;
}

TEST(Allowlist, RejectsAnEmptySetting) {
  EXPECT_FALSE(Allowlist::parse("").has_value());
  EXPECT_FALSE(Allowlist::parse(" , ").has_value());
}

TEST(TypeNamed, KnowsTheDetectorsNames) {
  EXPECT_EQ(type_named("odt")->mime, kOdtMime);
  EXPECT_FALSE(type_named("doc").has_value());
}

}  // namespace
}  // namespace file_service::domain
