#include "api/content_disposition.h"

namespace file_service::api {
namespace {

// RFC 5987 attr-char: what filename* may carry without percent-encoding.
bool is_attr_char(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_plain_ascii(unsigned char c) {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%';
}

// One '_' per character: a UTF-8 lead byte counts, its continuation bytes do not.
std::string ascii_fallback(std::string_view name) {
  std::string fallback;
  for (char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    if (is_plain_ascii(c)) {
      fallback.push_back(byte);
    } else if ((c & 0xC0) != 0x80) {
      fallback.push_back('_');
    }
  }
  return fallback;
}

std::string percent_encode(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    if (is_attr_char(c)) {
      encoded.push_back(byte);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 0x0F]);
    }
  }
  return encoded;
}

}  // namespace

std::string content_disposition(Disposition type, std::string_view filename) {
  std::string header = type == Disposition::kInline ? "inline" : "attachment";
  if (filename.empty()) return header;
  const std::string fallback = ascii_fallback(filename);
  header += "; filename=\"" + fallback + "\"";
  if (fallback != filename) header += "; filename*=UTF-8''" + percent_encode(filename);
  return header;
}

}  // namespace file_service::api
