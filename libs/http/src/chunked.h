// Chunked transfer coding (RFC 9112 §7.1) as the server and the client write it: a chunk
// is chunk_head(size), the bytes, kChunkEnd; the body ends with kLastChunk (no trailers).
// Internal to the http library.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace platform::http::detail {

inline constexpr std::string_view kChunkEnd = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// "<size in hex>\r\n"
inline std::string chunk_head(std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string head;
  do {
    head.insert(head.begin(), kDigits[size & 0xf]);
    size >>= 4;
  } while (size != 0);
  head += "\r\n";
  return head;
}

}  // namespace platform::http::detail
