#include "domain/filename.h"

#include <array>

#include "platform/core/strings.h"

namespace file_service::domain {
namespace {

using platform::core::Error;

// Byte length of the UTF-8 sequence that starts with `lead`; the text is known valid.
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  return 4;
}

char32_t decode(std::string_view sequence) {
  const auto lead = static_cast<unsigned char>(sequence[0]);
  if (sequence.size() == 1) return lead;
  char32_t code = lead & (0xFF >> (sequence.size() + 1));
  for (std::size_t i = 1; i < sequence.size(); ++i)
    code = (code << 6) | (static_cast<unsigned char>(sequence[i]) & 0x3F);
  return code;
}

bool is_removed(char32_t code) {
  const bool control = code < 0x20 || (code >= 0x7F && code <= 0x9F);
  const bool bidi = (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
  return control || bidi;
}

bool is_replaced(char32_t code) {
  switch (code) {
    case '"':
    case '<':
    case '>':
    case ':':
    case '|':
    case '?':
    case '*':
      return true;
    default:
      return false;
  }
}

std::string_view last_component(std::string_view name) {
  const std::size_t separator = name.find_last_of("/\\");
  return separator == std::string_view::npos ? name : name.substr(separator + 1);
}

std::string_view trim_spaces_and_dots(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" .");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(" .");
  return text.substr(first, last - first + 1);
}

// "CON", "con.txt", "LPT9.tar.gz": the part before the first dot names a Windows device.
bool is_windows_device_name(std::string_view name) {
  const std::string base = platform::core::ascii_lower(name.substr(0, name.find('.')));
  static constexpr std::array<std::string_view, 4> kDevices = {"con", "prn", "aux", "nul"};
  for (std::string_view device : kDevices)
    if (base == device) return true;
  return base.size() == 4 && (base.starts_with("com") || base.starts_with("lpt")) &&
         base[3] >= '1' && base[3] <= '9';
}

// The longest prefix of `text` of at most `limit` bytes that ends on a character boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string cap_length(std::string_view name) {
  if (name.size() <= kFilenameMaxBytes) return std::string(name);
  std::string_view stem = name;
  std::string_view extension;
  const std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0 &&
      name.size() - dot <= kFilenameMaxExtensionBytes + 1) {
    stem = name.substr(0, dot);
    extension = name.substr(dot);
  }
  stem = utf8_prefix(stem, kFilenameMaxBytes - extension.size());
  // The cut may leave the stem ending in spaces or dots; its start was trimmed already,
  // so something is left.
  stem = stem.substr(0, stem.find_last_not_of(" .") + 1);
  return std::string(stem) + std::string(extension);
}

Error invalid(std::string message) {
  return Error::invalid_argument("filename", std::move(message));
}

}  // namespace

platform::core::Result<std::string> sanitise_filename(std::string_view original) {
  if (original.find('\0') != std::string_view::npos) return invalid("must not contain NUL bytes");
  if (!platform::core::is_valid_utf8(original)) return invalid("must be valid UTF-8");

  const std::string_view component = last_component(original);
  std::string cleaned;
  cleaned.reserve(component.size());
  for (std::size_t i = 0; i < component.size();) {
    const std::size_t length = sequence_length(static_cast<unsigned char>(component[i]));
    const std::string_view sequence = component.substr(i, length);
    i += length;
    const char32_t code = decode(sequence);
    if (is_removed(code)) continue;
    if (is_replaced(code)) {
      cleaned.push_back('_');
    } else {
      cleaned.append(sequence);
    }
  }

  const std::string_view trimmed = trim_spaces_and_dots(cleaned);
  if (trimmed.empty()) return invalid("must name a file");
  std::string name = cap_length(trimmed);
  if (is_windows_device_name(name)) {
    name.insert(0, "_");
    if (name.size() > kFilenameMaxBytes) name = cap_length(name);
  }
  return name;
}

}  // namespace file_service::domain
