#include "platform/core/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <limits>
#include <map>
#include <new>
#include <stdexcept>
#include <utility>

#include "platform/core/strings.h"

namespace platform::core {
namespace {

std::string_view as_text(const unsigned char* bytes, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes), size};
}

// OpenSSL's SHA-256 and HMAC only fail when they cannot allocate.
void check(int status) {
  if (status != 1) throw std::bad_alloc();
}

// HMAC-SHA256 contexts, per thread and per key, keyed once: OpenSSL 3's one-shot HMAC()
// looks HMAC and SHA-256 up and hashes the key's pads again on every call, which costs
// more than the short messages we sign (a request's identity, a download link). A keyed
// context restarts from its saved pads.
class HmacContexts {
 public:
  HmacContexts() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {}
  ~HmacContexts() {
    for (auto& [key, context] : keyed_) EVP_MAC_CTX_free(context);
    EVP_MAC_free(mac_);
  }
  HmacContexts(const HmacContexts&) = delete;
  HmacContexts& operator=(const HmacContexts&) = delete;

  // A context ready for update() under `key`; null when OpenSSL cannot make one.
  EVP_MAC_CTX* for_key(std::string_view key) {
    if (mac_ == nullptr) return nullptr;
    if (const auto found = keyed_.find(key); found != keyed_.end()) {
      if (EVP_MAC_init(found->second, nullptr, 0, nullptr) != 1) return nullptr;
      return found->second;
    }
    // A process signs with a handful of keys; a stream of distinct ones starts over.
    if (keyed_.size() >= kMaxKeys) {
      for (auto& [old_key, context] : keyed_) EVP_MAC_CTX_free(context);
      keyed_.clear();
    }
    EVP_MAC_CTX* context = EVP_MAC_CTX_new(mac_);
    if (context == nullptr) return nullptr;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    // A null key would mean "the previous key"; an empty key must still be a key.
    static constexpr unsigned char kEmpty = 0;
    const auto* bytes = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_MAC_init(context, bytes, key.size(), params) != 1) {
      EVP_MAC_CTX_free(context);
      return nullptr;
    }
    keyed_.emplace(std::string(key), context);
    return context;
  }

 private:
  static constexpr std::size_t kMaxKeys = 32;
  EVP_MAC* mac_ = nullptr;
  std::map<std::string, EVP_MAC_CTX*, std::less<>> keyed_;
};

}  // namespace

struct Sha256::State {
  State() : context(EVP_MD_CTX_new()) {
    if (context == nullptr) throw std::bad_alloc();
    reset();
  }
  ~State() { EVP_MD_CTX_free(context); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  void reset() const { check(EVP_DigestInit_ex(context, EVP_sha256(), nullptr)); }

  EVP_MD_CTX* context;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view bytes) {
  check(EVP_DigestUpdate(state_->context, bytes.data(), bytes.size()));
}

std::string Sha256::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  check(EVP_DigestFinal_ex(state_->context, digest, &length));
  state_->reset();
  return std::string(as_text(digest, length));
}

std::string Sha256::finish_hex() {
  return hex_encode(finish());
}

std::string sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  check(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr));
  return std::string(as_text(digest, length));
}

std::string sha256_hex(std::string_view bytes) {
  return hex_encode(sha256(bytes));
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  thread_local HmacContexts contexts;
  EVP_MAC_CTX* mac = contexts.for_key(key);
  if (mac == nullptr) throw std::bad_alloc();
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  check(
      EVP_MAC_update(mac, reinterpret_cast<const unsigned char*>(message.data()), message.size()));
  check(EVP_MAC_final(mac, out, &length, sizeof out));
  return std::string(as_text(out, length));
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (count == 0) return bytes;
  if (count > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::length_error("too many random bytes asked for");
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1)
    throw std::runtime_error("the system has no randomness to give (RAND_bytes failed)");
  return bytes;
}

}  // namespace platform::core
