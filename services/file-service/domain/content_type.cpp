#include "domain/content_type.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "platform/core/strings.h"

namespace file_service::domain {
namespace {

using platform::core::Error;

struct KnownType {
  std::string_view name;
  std::string_view mime;
};

// Every name the detector returns. The allowlist accepts exactly these.
constexpr std::array<KnownType, 18> kKnownTypes = {{
    {"pdf", "application/pdf"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"docm", "application/vnd.ms-word.document.macroEnabled.12"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"png", "image/png"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"zip", "application/zip"},
    {"gzip", "application/gzip"},
    {"7z", "application/x-7z-compressed"},
    {"ole", "application/x-ole-storage"},  // legacy .doc/.xls/.msi: a compound file
    {"elf", "application/x-executable"},
    {"exe", "application/vnd.microsoft.portable-executable"},
    {"macho", "application/x-mach-binary"},
    {"script", "text/x-script"},  // "#!": runs wherever it is made executable
    {"unknown", "application/octet-stream"},
}};

DetectedType known(std::string_view name) {
  for (const KnownType& type : kKnownTypes)
    if (type.name == name) return {std::string(type.name), std::string(type.mime)};
  return {"unknown", "application/octet-stream"};
}

struct Signature {
  std::string_view magic;
  std::string_view name;
};

using namespace std::string_view_literals;

// Signatures at offset 0. The ZIP ones are handled apart, they need a closer look.
constexpr std::array<Signature, 16> kSignatures = {{
    {"%PDF-"sv, "pdf"},
    {"\x89PNG\r\n\x1A\n"sv, "png"},
    {"\xFF\xD8\xFF"sv, "jpeg"},
    {"GIF87a"sv, "gif"},
    {"GIF89a"sv, "gif"},
    {"\x1F\x8B"sv, "gzip"},
    {"7z\xBC\xAF\x27\x1C"sv, "7z"},
    {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv, "ole"},
    {"\x7F\x45\x4C\x46"sv, "elf"},  // 7F 'E' 'L' 'F'
    {"MZ"sv, "exe"},
    {"\xFE\xED\xFA\xCE"sv, "macho"},
    {"\xFE\xED\xFA\xCF"sv, "macho"},
    {"\xCE\xFA\xED\xFE"sv, "macho"},
    {"\xCF\xFA\xED\xFE"sv, "macho"},
    {"\xCA\xFE\xBA\xBE"sv, "macho"},  // a universal binary (or a Java class): never text
    {"#!"sv, "script"},
}};

// --- ZIP -------------------------------------------------------------------------------

constexpr std::uint32_t kLocalHeader = 0x04034B50;
constexpr std::uint32_t kCentralHeader = 0x02014B50;
constexpr std::uint32_t kEndOfCentralDirectory = 0x06054B50;
constexpr std::size_t kLocalHeaderBytes = 30;
constexpr std::size_t kCentralHeaderBytes = 46;
constexpr std::size_t kEndOfCentralDirectoryBytes = 22;
constexpr std::string_view kOdtMime = "application/vnd.oasis.opendocument.text";

std::uint32_t le16(std::string_view bytes, std::size_t at) {
  return std::uint32_t(static_cast<unsigned char>(bytes[at])) |
         std::uint32_t(static_cast<unsigned char>(bytes[at + 1])) << 8;
}

std::uint32_t le32(std::string_view bytes, std::size_t at) {
  return le16(bytes, at) | le16(bytes, at + 2) << 16;
}

bool is_zip(std::string_view head) {
  return head.size() >= 4 &&
         (le32(head, 0) == kLocalHeader || le32(head, 0) == kEndOfCentralDirectory);
}

// ODF packages start with an uncompressed "mimetype" entry naming the document type.
bool is_odt(std::string_view head) {
  if (head.size() < kLocalHeaderBytes || le32(head, 0) != kLocalHeader) return false;
  const std::uint32_t method = le16(head, 8);
  const std::uint32_t compressed_size = le32(head, 18);
  const std::size_t name_length = le16(head, 26);
  const std::size_t extra_length = le16(head, 28);
  const std::size_t data_at = kLocalHeaderBytes + name_length + extra_length;
  if (method != 0 || data_at + compressed_size > head.size()) return false;
  return head.substr(kLocalHeaderBytes, name_length) == "mimetype" &&
         head.substr(data_at, compressed_size) == kOdtMime;
}

// The entry names of the central directory that ends `tail`; empty when it is not there
// whole (no End Of Central Directory record, or the directory starts before the tail).
std::vector<std::string_view> central_directory_names(std::string_view tail) {
  if (tail.size() < kEndOfCentralDirectoryBytes) return {};
  // The record is 22 bytes plus a comment of up to 65535 bytes; search back from the end.
  const std::size_t last = tail.size() - kEndOfCentralDirectoryBytes;
  const std::size_t first = last > 0xFFFF ? last - 0xFFFF : 0;
  for (std::size_t at = last + 1; at-- > first;) {
    if (le32(tail, at) != kEndOfCentralDirectory) continue;
    if (at + kEndOfCentralDirectoryBytes + le16(tail, at + 20) != tail.size()) continue;
    const std::size_t directory_size = le32(tail, at + 12);
    if (directory_size > at) return {};
    const std::string_view directory = tail.substr(at - directory_size, directory_size);
    std::vector<std::string_view> names;
    std::size_t entry = 0;
    while (entry + kCentralHeaderBytes <= directory.size() &&
           le32(directory, entry) == kCentralHeader) {
      const std::size_t name_length = le16(directory, entry + 28);
      const std::size_t rest =
          name_length + le16(directory, entry + 30) + le16(directory, entry + 32);
      if (entry + kCentralHeaderBytes + name_length > directory.size()) break;
      names.push_back(directory.substr(entry + kCentralHeaderBytes, name_length));
      entry += kCentralHeaderBytes + rest;
    }
    return names;
  }
  return {};
}

// The entry names of the local headers in `head`, as far as they can be followed: an
// entry whose sizes come after its data (flag bit 3) ends the walk.
std::vector<std::string_view> local_header_names(std::string_view head) {
  std::vector<std::string_view> names;
  std::size_t at = 0;
  while (at + kLocalHeaderBytes <= head.size() && le32(head, at) == kLocalHeader) {
    const std::uint32_t flags = le16(head, at + 6);
    const std::size_t compressed_size = le32(head, at + 18);
    const std::size_t name_length = le16(head, at + 26);
    const std::size_t extra_length = le16(head, at + 28);
    if (at + kLocalHeaderBytes + name_length > head.size()) break;
    names.push_back(head.substr(at + kLocalHeaderBytes, name_length));
    if ((flags & 0x8) != 0 || compressed_size == 0xFFFFFFFF) break;
    at += kLocalHeaderBytes + name_length + extra_length + compressed_size;
  }
  return names;
}

std::string_view classify_office_zip(const std::vector<std::string_view>& names) {
  const auto has = [&names](std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  if (!has("[Content_Types].xml") || !has("word/document.xml")) return {};
  return has("word/vbaProject.bin") ? "docm" : "docx";
}

DetectedType detect_zip(std::string_view head, std::string_view tail) {
  if (is_odt(head)) return known("odt");
  std::vector<std::string_view> names = central_directory_names(tail);
  if (names.empty()) names = local_header_names(head);
  const std::string_view office = classify_office_zip(names);
  return known(office.empty() ? "zip" : office);
}

// --- Text ------------------------------------------------------------------------------

std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;  // a continuation byte, or a lead byte UTF-8 never uses
}

bool is_text_byte(unsigned char byte) {
  if (byte >= 0x20 && byte != 0x7F) return true;
  return byte == '\t' || byte == '\n' || byte == '\f' || byte == '\r';
}

// A complete multi-byte sequence: well-formed and not a C1 control (U+0080-U+009F,
// which is C2 80 to C2 9F).
bool is_text_sequence(std::string_view sequence) {
  if (!platform::core::is_valid_utf8(sequence)) return false;
  return !(static_cast<unsigned char>(sequence[0]) == 0xC2 &&
           static_cast<unsigned char>(sequence[1]) <= 0x9F);
}

bool is_markdown_name(std::string_view filename) {
  const std::string lower = platform::core::ascii_lower(filename);
  return lower.ends_with(".md") || lower.ends_with(".markdown");
}

bool looks_like_text(std::string_view head, std::string_view tail) {
  TextScanner head_scanner;
  head_scanner.feed(head);
  // Head shorter than kHeadBytes: it is the whole content, so it must end cleanly.
  const bool head_ok =
      head.size() >= kHeadBytes ? head_scanner.text_so_far() : head_scanner.finish();
  if (!head_ok) return false;
  // A tail of kTailBytes may start inside a UTF-8 sequence: skip its continuation bytes.
  if (tail.size() >= kTailBytes) {
    std::size_t skip = 0;
    while (skip < 3 && skip < tail.size() &&
           (static_cast<unsigned char>(tail[skip]) & 0xC0) == 0x80)
      ++skip;
    tail.remove_prefix(skip);
  }
  TextScanner tail_scanner;
  tail_scanner.feed(tail);
  return tail_scanner.finish();
}

}  // namespace

void TextScanner::feed(std::string_view chunk) {
  if (!text_) return;
  if (!pending_.empty()) {
    const std::size_t wanted = sequence_length(static_cast<unsigned char>(pending_[0]));
    const std::size_t taken = std::min(wanted - pending_.size(), chunk.size());
    pending_.append(chunk.substr(0, taken));
    chunk.remove_prefix(taken);
    if (pending_.size() < wanted) return;
    text_ = is_text_sequence(pending_);
    pending_.clear();
    if (!text_) return;
  }
  for (std::size_t i = 0; i < chunk.size();) {
    const auto byte = static_cast<unsigned char>(chunk[i]);
    if (byte < 0x80) {
      if (!is_text_byte(byte)) {
        text_ = false;
        return;
      }
      ++i;
      continue;
    }
    const std::size_t length = sequence_length(byte);
    if (length == 0) {
      text_ = false;
      return;
    }
    if (i + length > chunk.size()) {
      pending_.assign(chunk.substr(i));
      return;
    }
    if (!is_text_sequence(chunk.substr(i, length))) {
      text_ = false;
      return;
    }
    i += length;
  }
}

DetectedType detect_content_type(std::string_view head, std::string_view tail,
                                 std::string_view filename) {
  for (const Signature& signature : kSignatures)
    if (head.starts_with(signature.magic)) return known(signature.name);
  if (is_zip(head)) return detect_zip(head, tail);
  if (looks_like_text(head, tail)) return known(is_markdown_name(filename) ? "md" : "txt");
  return known("unknown");
}

std::optional<DetectedType> type_named(std::string_view name) {
  for (const KnownType& type : kKnownTypes)
    if (type.name == name) return DetectedType{std::string(type.name), std::string(type.mime)};
  return std::nullopt;
}

platform::core::Result<Allowlist> Allowlist::parse(std::string_view setting) {
  Allowlist allowlist;
  std::vector<std::string> unknown;
  for (std::string_view entry : platform::core::split(setting, ',')) {
    std::string name = platform::core::ascii_lower(platform::core::trim(entry));
    if (name.empty()) continue;
    if (name == "jpg") name = "jpeg";
    if (!type_named(name)) {
      unknown.push_back(std::string(platform::core::trim(entry)));
    } else if (std::find(allowlist.names_.begin(), allowlist.names_.end(), name) ==
               allowlist.names_.end()) {
      allowlist.names_.push_back(std::move(name));
    }
  }
  if (!unknown.empty()) {
    std::string message = "unknown file types: ";
    for (std::size_t i = 0; i < unknown.size(); ++i) message += (i > 0 ? ", " : "") + unknown[i];
    message += "; known: ";
    for (std::size_t i = 0; i < kKnownTypes.size(); ++i)
      message += std::string(i > 0 ? "," : "") + std::string(kKnownTypes[i].name);
    return Error::invalid_argument("allowed_types", message);
  }
  if (allowlist.names_.empty())
    return Error::invalid_argument("allowed_types", "must name at least one file type");
  return allowlist;
}

bool Allowlist::allows(const DetectedType& type) const {
  return std::find(names_.begin(), names_.end(), type.name) != names_.end();
}

}  // namespace file_service::domain
