#include "platform_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
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

}  // namespace

std::optional<std::string> existing_platform_token(const Layout& layout) {
  if (const char* value = std::getenv("SYL_PLATFORM_TOKEN"); value != nullptr && *value != '\0')
    return checked(value, "SYL_PLATFORM_TOKEN");
  return read_token_file(layout.platform_token_file());
}

std::string platform_token(const Layout& layout) {
  if (auto existing = existing_platform_token(layout)) return *existing;
  const std::filesystem::path path = layout.platform_token_file();
  std::filesystem::create_directories(path.parent_path());
  const std::string token =
      platform::core::base64url_encode(platform::core::random_bytes(kTokenBytes));
  // O_EXCL: two `up`s at once agree on whichever token was written first.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return *read_token_file(path);
    throw failure(path, "cannot create");
  }
  const std::string text = token + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path);
    throw failure(path, "cannot write");
  }
  return token;
}

}  // namespace sylctl
