#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "internal.h"
#include "platform/core/crypto.h"

namespace platform::auth::internal {
namespace {

// An ES256 signature in a JWS is r and s, 32 big-endian bytes each (RFC 7518 §3.4).
constexpr std::size_t kEs256CoordinateBytes = 32;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};
struct BnDeleter {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// OpenSSL leaves its reasons in a per-thread queue; a failed check must not leave them
// there for the next user of the thread (a TLS read of Asio reads that queue).
template <typename T>
T forget_errors(T result) {
  ERR_clear_error();
  return result;
}

// r||s as the DER ECDSA-Sig-Value that EVP verifies.
std::optional<std::string> raw_to_der(std::string_view raw) {
  if (raw.size() != 2 * kEs256CoordinateBytes) return std::nullopt;
  EcdsaSigPtr signature(ECDSA_SIG_new());
  BnPtr r(BN_bin2bn(bytes(raw), kEs256CoordinateBytes, nullptr));
  BnPtr s(BN_bin2bn(bytes(raw.substr(kEs256CoordinateBytes)), kEs256CoordinateBytes, nullptr));
  if (!signature || !r || !s || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1)
    return std::nullopt;
  static_cast<void>(r.release());  // owned by the signature now
  static_cast<void>(s.release());
  const int length = i2d_ECDSA_SIG(signature.get(), nullptr);
  if (length <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(signature.get(), &out) != length) return std::nullopt;
  return der;
}

std::optional<std::string> der_to_raw(std::string_view der) {
  const auto* in = bytes(der);
  EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
  if (!signature) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  std::string raw(2 * kEs256CoordinateBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kEs256CoordinateBytes) < 0 ||
      BN_bn2binpad(s, out + kEs256CoordinateBytes, kEs256CoordinateBytes) < 0)
    return std::nullopt;
  return raw;
}

bool verify_sha256(EVP_PKEY* key, std::string_view signing_input, std::string_view signature) {
  MdCtxPtr context(EVP_MD_CTX_new());
  if (!context) return false;
  // A fresh context per call: the key itself is only read, which OpenSSL allows from
  // several threads at once.
  if (EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(context.get(), bytes(signature), signature.size(), bytes(signing_input),
                          signing_input.size()) == 1;
}

}  // namespace

bool verify_signature(const KeySet::Key& key, std::string_view signing_input,
                      std::string_view signature) {
  switch (key.algorithm) {
    case Algorithm::kHs256:
      // CRYPTO_memcmp underneath: the time does not tell where the bytes differ.
      return core::constant_time_equals(core::hmac_sha256(key.secret, signing_input), signature);
    case Algorithm::kRs256: {
      // PKCS#1 v1.5 signatures are exactly as long as the modulus.
      const int size = EVP_PKEY_get_size(key.public_key.get());
      if (size <= 0 || signature.size() != static_cast<std::size_t>(size)) return false;
      return verify_sha256(key.public_key.get(), signing_input, signature) || forget_errors(false);
    }
    case Algorithm::kEs256: {
      const auto der = raw_to_der(signature);
      if (!der) return forget_errors(false);
      return verify_sha256(key.public_key.get(), signing_input, *der) || forget_errors(false);
    }
  }
  return false;
}

std::optional<std::string> sign(EVP_PKEY* private_key, Algorithm algorithm,
                                std::string_view signing_input) {
  MdCtxPtr context(EVP_MD_CTX_new());
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, private_key) != 1)
    return forget_errors(std::nullopt);
  std::size_t length = 0;
  if (EVP_DigestSign(context.get(), nullptr, &length, bytes(signing_input), signing_input.size()) !=
      1)
    return forget_errors(std::nullopt);
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     bytes(signing_input), signing_input.size()) != 1)
    return forget_errors(std::nullopt);
  signature.resize(length);
  if (algorithm == Algorithm::kEs256) {
    auto raw = der_to_raw(signature);
    if (!raw) return forget_errors(std::nullopt);
    return raw;
  }
  return signature;
}

}  // namespace platform::auth::internal
