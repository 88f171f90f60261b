#include <array>
#include <boost/json/parser.hpp>
#include <cstdint>

#include "internal.h"

namespace platform::auth {

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kHs256:
      return kHs256;
    case Algorithm::kRs256:
      return kRs256;
    case Algorithm::kEs256:
      return kEs256;
  }
  return "unknown";
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  if (name == kHs256) return Algorithm::kHs256;
  if (name == kRs256) return Algorithm::kRs256;
  if (name == kEs256) return Algorithm::kEs256;
  return std::nullopt;
}

namespace internal {
namespace {

constexpr std::array<std::int16_t, 256> make_table() {
  std::array<std::int16_t, 256> table{};
  for (auto& entry : table) entry = -1;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int16_t>(i);
  return table;
}

constexpr std::array<std::int16_t, 256> kTable = make_table();

}  // namespace

std::optional<std::string> base64url_decode_strict(std::string_view text) {
  // 4n+1 characters carry 6 bits past the last whole byte: no encoding ends so.
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = kTable[static_cast<unsigned char>(c)];
    if (value < 0) return std::nullopt;
    buffer = ((buffer << 6) | static_cast<unsigned>(value)) & 0xFFFu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
    }
  }
  // The 2 or 4 bits left over must be zero, or "QQ" and "QR" would both mean "A".
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<boost::json::object> parse_object(std::string_view text, std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::json::parser parser({}, options);
  boost::system::error_code ec;
  // write() takes the buffer as the whole text: an incomplete value or anything after
  // the value is an error, never an exception.
  parser.write(text.data(), text.size(), ec);
  if (ec) return std::nullopt;
  boost::json::value value = parser.release();
  if (!value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

}  // namespace internal
}  // namespace platform::auth
