#include "platform_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

#include "platform/config/config.h"
#include "platform/core/crypto.h"
#include "platform/core/strings.h"

namespace sylctl {
namespace {

constexpr std::size_t kTokenBytes = 32;  // 43 characters of base64url

std::runtime_error failure(const std::filesystem::path& path, const std::string& what) {
  return std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

std::string checked(std::string token, const std::string& origin) {
  token = std::string(platform::core::trim(token));
  if (token.size() < platform::config::kMinPlatformTokenLength)
    throw std::runtime_error(origin + " holds no platform token of at least " +
                             std::to_string(platform::config::kMinPlatformTokenLength) +
                             " characters");
  return token;
}

std::optional<std::string> read_token_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return checked(text.str(), path.string());
}

// The secret in `variable`, else in `path`; nullopt when neither holds one.
std::optional<std::string> existing_secret(const std::filesystem::path& path,
                                           const char* variable) {
  if (const char* value = std::getenv(variable); value != nullptr && *value != '\0')
    return checked(value, variable);
  return read_token_file(path);
}

// The existing secret, or `make()` written to `path` (O_EXCL: two `up`s at once agree on
// whichever was written first).
std::string stored_secret(const std::filesystem::path& path, const char* variable,
                          const std::function<std::string()>& make) {
  if (auto existing = existing_secret(path, variable)) return *existing;
  std::filesystem::create_directories(path.parent_path());
  std::string secret = make();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return *read_token_file(path);
    throw failure(path, "cannot create");
  }
  const std::string text = secret + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path);
    throw failure(path, "cannot write");
  }
  return secret;
}

std::string random_text() {
  return platform::core::base64url_encode(platform::core::random_bytes(kTokenBytes));
}

}  // namespace

std::optional<std::string> existing_platform_token(const Layout& layout) {
  return existing_secret(layout.platform_token_file(), "SYL_PLATFORM_TOKEN");
}

std::string platform_token(const Layout& layout) {
  return stored_secret(layout.platform_token_file(), "SYL_PLATFORM_TOKEN", random_text);
}

std::optional<std::string> existing_jwt_secret(const Layout& layout) {
  return existing_secret(layout.var_dir() / "jwt-secret", "SYL_AUTH_JWT_SECRET");
}

std::string jwt_secret(const Layout& layout) {
  return stored_secret(layout.var_dir() / "jwt-secret", "SYL_AUTH_JWT_SECRET", random_text);
}

std::string identity_keys(const Layout& layout) {
  return stored_secret(layout.var_dir() / "identity-keys", "SYL_GATEWAY_IDENTITY_KEYS",
                       [] { return "k1:" + random_text(); });
}

}  // namespace sylctl
