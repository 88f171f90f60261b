#include "test_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

#include "platform/core/crypto.h"
#include "platform/core/strings.h"

namespace platform::auth::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string bn_param(EVP_PKEY* key, const char* name, int pad_to) {
  BIGNUM* number = nullptr;
  check(EVP_PKEY_get_bn_param(key, name, &number) == 1, name);
  std::string bytes(pad_to > 0 ? static_cast<std::size_t>(pad_to)
                               : static_cast<std::size_t>(BN_num_bytes(number)),
                    '\0');
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  if (pad_to > 0)
    check(BN_bn2binpad(number, out, pad_to) == pad_to, "BN_bn2binpad");
  else
    BN_bn2bin(number, out);
  BN_free(number);
  return core::base64url_encode(bytes);
}

TestKey export_key(EVP_PKEY* key, bool rsa) {
  TestKey out;
  std::unique_ptr<BIO, decltype(&BIO_free)> pem(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_PrivateKey(pem.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "private PEM");
  out.private_pem = bio_text(pem.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), BIO_free);
  check(PEM_write_bio_PUBKEY(pub.get(), key) == 1, "public PEM");
  out.public_pem = bio_text(pub.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> encrypted(BIO_new(BIO_s_mem()), BIO_free);
  char password[] = "password";
  check(PEM_write_bio_PrivateKey(encrypted.get(), key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                 password) == 1,
        "encrypted PEM");
  out.encrypted_private_pem = bio_text(encrypted.get());
  unsigned char* der = nullptr;
  const int der_size = i2d_PUBKEY(key, &der);
  check(der_size > 0, "public DER");
  out.public_der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_size));
  OPENSSL_free(der);
  if (rsa) {
    out.a = bn_param(key, OSSL_PKEY_PARAM_RSA_N, 0);
    out.b = bn_param(key, OSSL_PKEY_PARAM_RSA_E, 0);
  } else {
    out.a = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32);
    out.b = bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
  }
  return out;
}

TestKey make_ec_key() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  check(key != nullptr, "EC keygen");
  TestKey out = export_key(key, false);
  EVP_PKEY_free(key);
  return out;
}

std::string member(std::string_view name, std::string_view value) {
  return ",\"" + std::string(name) + "\":\"" + std::string(value) + "\"";
}

std::string jwk(std::string_view kty, std::string_view kid, std::string_view alg,
                std::string rest) {
  std::string out = "{\"kty\":\"" + std::string(kty) + "\"";
  if (!kid.empty()) out += member("kid", kid);
  if (!alg.empty()) out += member("alg", alg);
  return out + rest + "}";
}

}  // namespace

TestKey make_rsa_key(int bits) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  check(key != nullptr, "RSA keygen");
  TestKey out = export_key(key, true);
  EVP_PKEY_free(key);
  return out;
}

const TestKey& rsa_key_1() {
  static const TestKey key = make_rsa_key(2048);
  return key;
}
const TestKey& rsa_key_2() {
  static const TestKey key = make_rsa_key(2048);
  return key;
}
const TestKey& ec_key_1() {
  static const TestKey key = make_ec_key();
  return key;
}
const TestKey& ec_key_2() {
  static const TestKey key = make_ec_key();
  return key;
}

std::string rsa_jwk(const TestKey& key, std::string_view kid, std::string_view alg) {
  return jwk("RSA", kid, alg, member("use", "sig") + member("n", key.a) + member("e", key.b));
}

std::string ec_jwk(const TestKey& key, std::string_view kid, std::string_view alg) {
  return jwk("EC", kid, alg, member("crv", "P-256") + member("x", key.a) + member("y", key.b));
}

std::string oct_jwk(std::string_view secret, std::string_view kid) {
  return jwk("oct", kid, "HS256", member("k", core::base64url_encode(secret)));
}

std::string jwks(const std::vector<std::string>& keys) {
  std::string out = "{\"keys\":[";
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i > 0 ? "," : "") + keys[i];
  return out + "]}";
}

std::string raw_token(std::string_view header, std::string_view payload,
                      std::string_view signature) {
  return core::base64url_encode(header) + "." + core::base64url_encode(payload) + "." +
         core::base64url_encode(signature);
}

std::string hs256_token(std::string_view header, std::string_view payload,
                        std::string_view secret) {
  const std::string input = core::base64url_encode(header) + "." + core::base64url_encode(payload);
  return input + "." + core::base64url_encode(core::hmac_sha256(secret, input));
}

std::string signed_token(std::string_view header, std::string_view payload, const TestKey& key,
                         std::string_view algorithm) {
  const std::string input = core::base64url_encode(header) + "." + core::base64url_encode(payload);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key.private_pem.data(), static_cast<int>(key.private_pem.size())), BIO_free);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  check(pkey != nullptr, "read private key");
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  check(EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, pkey) == 1, "sign init");
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  check(EVP_DigestSign(context, nullptr, &length, data, input.size()) == 1, "sign size");
  std::string signature(length, '\0');
  check(EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                       input.size()) == 1,
        "sign");
  signature.resize(length);
  EVP_MD_CTX_free(context);
  EVP_PKEY_free(pkey);
  if (algorithm == "ES256") {
    const auto* in = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(signature.size()));
    check(parsed != nullptr, "parse ECDSA signature");
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(parsed), out, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(parsed), out + 32, 32);
    ECDSA_SIG_free(parsed);
    signature = raw;
  }
  return input + "." + core::base64url_encode(signature);
}

std::string payload(const Changes& changes) {
  std::vector<std::pair<std::string, std::string>> members = {{"sub", "\"u-1\""},
                                                              {"iss", "\"syllabus-platform\""},
                                                              {"aud", "\"syllabus-platform\""},
                                                              {"iat", std::to_string(kNow - 10)},
                                                              {"exp", std::to_string(kNow + 600)}};
  for (const auto& [name, value] : changes) {
    bool found = false;
    for (auto& member : members) {
      if (member.first != name) continue;
      member.second = value;
      found = true;
    }
    if (!found) members.emplace_back(name, value);
  }
  std::string out = "{";
  for (const auto& [name, value] : members) {
    if (value.empty()) continue;
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + value;
  }
  return out + "}";
}

}  // namespace platform::auth::testing
