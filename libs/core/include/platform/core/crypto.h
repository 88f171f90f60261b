// SHA-256, HMAC-SHA256, constant-time comparison and secure random bytes: the platform's
// one door to OpenSSL's libcrypto (no OpenSSL header here: including this stays cheap).
//
//   std::string digest = sha256_hex(content);            // 64 lower-case hex digits
//   Sha256 hasher;                                        // for bytes that come in chunks
//   hasher.update(chunk_1);
//   hasher.update(chunk_2);
//   std::string same = hasher.finish_hex();
//   std::string mac = hmac_sha256(secret, message);       // 32 raw bytes
//   if (!constant_time_equals(given, expected)) return denied();
//   std::string secret = random_bytes(32);                // from the OS's CSPRNG
//
// Raw digests and MACs are 32-byte std::strings (bytes, not text); hex_encode() (in
// strings.h) or base64url_encode() turns them into text. These functions fail only when
// OpenSSL cannot allocate memory, which they report as std::bad_alloc like any allocation;
// random_bytes() throws std::runtime_error when the system has no randomness to give.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace platform::core {

inline constexpr std::size_t kSha256Bytes = 32;

// The SHA-256 digest of `bytes`: 32 raw bytes.
std::string sha256(std::string_view bytes);
// The SHA-256 digest of `bytes` in lower-case hex (64 characters).
std::string sha256_hex(std::string_view bytes);

// SHA-256 over bytes fed piece by piece (a streamed upload). Movable, not copyable.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest of everything fed so far; the hasher then starts over, empty.
  std::string finish();
  std::string finish_hex();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HMAC-SHA256 (RFC 2104) of `message` under `key`: 32 raw bytes. Any key length.
std::string hmac_sha256(std::string_view key, std::string_view message);

// Whether `a` and `b` are equal, in time that depends on their length only, never on where
// they differ: for comparing signatures and MACs. Two lengths that differ answer false at
// once (the length of a MAC is public). To keep the length of a secret (a token) private
// as well, compare sha256() of both sides.
bool constant_time_equals(std::string_view a, std::string_view b);

// `count` bytes from OpenSSL's CSPRNG (seeded by the kernel): keys, tokens, nonces.
std::string random_bytes(std::size_t count);

}  // namespace platform::core
