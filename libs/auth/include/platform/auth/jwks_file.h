// A JWKS file that is re-read when it changes, so that the identity provider's key
// rotation reaches the gateway without a restart. No thread inside: the gateway calls
// reload_if_changed() from a periodic background task.
//
//   auto jwks = JwksFile::load(settings.jwks_file, std::move(secret_keys));  // fatal if bad
//   Verifier verifier(options, jwks->keys());
//   core::BackgroundTask reloader("jwks-reload", [&](core::BackgroundTask&) -> core::Pause {
//     auto changed = jwks->reload_if_changed(verifier);
//     if (!changed) log.warn("JWKS not reloaded, keeping the old keys", changed.error());
//     else if (*changed) log.info("JWKS reloaded", jwks->keys()->key_ids());
//     return std::chrono::seconds(30);
//   });
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "platform/auth/jwt.h"
#include "platform/auth/keys.h"
#include "platform/core/result.h"

namespace platform::auth {

// Not thread-safe itself (one task reloads); the Verifier it feeds is.
class JwksFile {
 public:
  // Reads `path` now; `extra` (the HS256 secret, when one is configured too) is merged
  // into every version of the file. The errors of KeySet::from_jwks_file and add().
  static core::Result<JwksFile> load(std::filesystem::path path, KeySet extra = {});

  // Re-reads the file when its modification time or size differs from the last attempt,
  // and when the new document gives a valid set, hands it to `verifier` (replace_keys):
  // true then, false when the file did not change. A file that cannot be read or does
  // not parse leaves the current keys in place and returns the error, once per change of
  // the file (the next calls answer false until it changes again).
  core::Result<bool> reload_if_changed(Verifier& verifier);

  // The keys of the last good version (with `extra`).
  std::shared_ptr<const KeySet> keys() const { return keys_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Stamp {
    bool exists = false;
    std::int64_t modified_ns = 0;
    std::uintmax_t size = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };
  static Stamp stamp_of(const std::filesystem::path& path);

  JwksFile(std::filesystem::path path, KeySet extra, Stamp stamp,
           std::shared_ptr<const KeySet> keys)
      : path_(std::move(path)), extra_(std::move(extra)), stamp_(stamp), keys_(std::move(keys)) {}

  std::filesystem::path path_;
  KeySet extra_;
  Stamp stamp_;  // of the last attempt, good or bad
  std::shared_ptr<const KeySet> keys_;
};

}  // namespace platform::auth
