#include "platform/core/uuid.h"

#include <sys/random.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <random>
#include <stdexcept>

#include "platform/core/strings.h"

namespace platform::core {
namespace {

// Ids need uniqueness, not secrecy: a per-thread generator seeded from the kernel is
// enough and costs no system call per id. Secrets (tokens, keys) never come from here.
void random_bytes(std::uint8_t* out, int count) {
  thread_local std::mt19937_64 engine = [] {
    std::array<std::uint64_t, 4> seed_words{};
    std::size_t filled = 0;
    auto* seed_bytes = reinterpret_cast<unsigned char*>(seed_words.data());
    while (filled < sizeof seed_words) {
      const ssize_t n = ::getrandom(seed_bytes + filled, sizeof seed_words - filled, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("getrandom failed");
      filled += static_cast<std::size_t>(n);
    }
    std::seed_seq seq(seed_words.begin(), seed_words.end());
    return std::mt19937_64(seq);
  }();
  for (int i = 0; i < count; i += 8) {
    const std::uint64_t word = engine();
    for (int k = 0; k < 8 && i + k < count; ++k)
      out[i + k] = static_cast<std::uint8_t>(word >> (8 * k));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Uuid Uuid::v4() {
  std::array<std::uint8_t, 16> bytes{};
  random_bytes(bytes.data(), 16);
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  return Uuid(bytes);
}

Uuid Uuid::v7() {
  // 48 bits of Unix milliseconds, then a 12-bit counter (RFC 9562 method 1) so that
  // ids made in the same millisecond by this process still sort in creation order.
  static std::mutex mutex;
  static std::uint64_t last_ms = 0;
  static std::uint16_t counter = 0;

  std::uint64_t ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::array<std::uint8_t, 16> bytes{};
  random_bytes(bytes.data(), 16);
  std::uint16_t sequence;
  {
    std::lock_guard lock(mutex);
    if (ms > last_ms) {
      last_ms = ms;
      counter = static_cast<std::uint16_t>(((bytes[6] << 8) | bytes[7]) & 0x01FF);  // random start
    } else {
      ms = last_ms;  // clock went back or same millisecond: stay monotonic
      if (++counter > 0x0FFF) {
        counter = 0;
        last_ms = ++ms;
      }
    }
    sequence = counter;
  }
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<std::uint8_t>(0x70 | ((sequence >> 8) & 0x0F));
  bytes[7] = static_cast<std::uint8_t>(sequence & 0xFF);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  return Uuid(bytes);
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::array<std::uint8_t, 16> bytes{};
  std::size_t byte = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[byte++] = static_cast<std::uint8_t>(high << 4 | low);
    i += 2;
  }
  return Uuid(bytes);
}

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  // Where each byte's two digits go in "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
  static constexpr std::array<std::uint8_t, 16> kAt = {0,  2,  4,  6,  9,  11, 14, 16,
                                                       19, 21, 24, 26, 28, 30, 32, 34};
  std::string out(36, '-');
  for (std::size_t i = 0; i < 16; ++i) {
    out[kAt[i]] = kHex[bytes_[i] >> 4];
    out[kAt[i] + 1] = kHex[bytes_[i] & 0x0F];
  }
  return out;
}

std::string to_cursor(const Uuid& id) {
  const auto& bytes = id.bytes();
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::optional<Uuid> uuid_from_cursor(std::string_view cursor) {
  const auto bytes = base64url_decode(cursor);
  if (!bytes || bytes->size() != 16) return std::nullopt;
  std::array<std::uint8_t, 16> id{};
  for (std::size_t i = 0; i < 16; ++i) id[i] = static_cast<std::uint8_t>((*bytes)[i]);
  return Uuid(id);
}

}  // namespace platform::core
