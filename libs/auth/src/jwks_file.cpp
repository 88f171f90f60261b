#include "platform/auth/jwks_file.h"

#include <chrono>
#include <system_error>

namespace platform::auth {
namespace {

// The keys of `path` with `extra` merged in.
core::Result<std::shared_ptr<const KeySet>> read_keys(const std::filesystem::path& path,
                                                      const KeySet& extra) {
  auto keys = KeySet::from_jwks_file(path);
  if (!keys) return std::move(keys).error();
  if (auto merged = keys->add(extra); !merged) return std::move(merged).error();
  return std::make_shared<const KeySet>(std::move(*keys));
}

}  // namespace

JwksFile::Stamp JwksFile::stamp_of(const std::filesystem::path& path) {
  std::error_code error;
  const auto modified = std::filesystem::last_write_time(path, error);
  if (error) return {};
  const auto size = std::filesystem::file_size(path, error);
  if (error) return {};
  return {
      .exists = true,
      .modified_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(modified.time_since_epoch()).count(),
      .size = size};
}

core::Result<JwksFile> JwksFile::load(std::filesystem::path path, KeySet extra) {
  // The stamp before the read: a change while reading is seen by the next reload.
  const Stamp stamp = stamp_of(path);
  auto keys = read_keys(path, extra);
  if (!keys) return std::move(keys).error();
  return JwksFile(std::move(path), std::move(extra), stamp, std::move(*keys));
}

core::Result<bool> JwksFile::reload_if_changed(Verifier& verifier) {
  const Stamp stamp = stamp_of(path_);
  if (stamp == stamp_) return false;
  stamp_ = stamp;
  auto keys = read_keys(path_, extra_);
  if (!keys) return std::move(keys).error();
  keys_ = std::move(*keys);
  verifier.replace_keys(keys_);
  return true;
}

}  // namespace platform::auth
