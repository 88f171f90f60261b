#include "application/upload_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/core/crypto.h"
#include "platform/core/uuid.h"

namespace file_service::application {

namespace {

using platform::core::Error;
using platform::core::Result;

void remove_file(const std::filesystem::path& path) {
  if (!path.empty()) ::unlink(path.c_str());
}

}  // namespace

SpooledUpload::SpooledUpload(SpooledUpload&& other) noexcept
    : path(std::exchange(other.path, {})),
      size(other.size),
      sha256(std::move(other.sha256)),
      head(std::move(other.head)),
      tail(std::move(other.tail)),
      text(other.text) {}

SpooledUpload& SpooledUpload::operator=(SpooledUpload&& other) noexcept {
  if (this != &other) {
    remove_file(path);
    path = std::exchange(other.path, {});
    size = other.size;
    sha256 = std::move(other.sha256);
    head = std::move(other.head);
    tail = std::move(other.tail);
    text = other.text;
  }
  return *this;
}

SpooledUpload::~SpooledUpload() {
  remove_file(path);
}

struct UploadSpool::State {
  ~State() {
    if (descriptor >= 0) ::close(descriptor);
    remove_file(path);
  }

  std::filesystem::path path;
  int descriptor = -1;
  std::uint64_t max_bytes = 0;
  std::uint64_t size = 0;
  platform::core::Sha256 digest;
  std::string head;
  // The last kTailBytes seen: a ring would save copies, but the tail is only rebuilt
  // once per chunk and chunks are large.
  std::string tail;
  domain::TextScanner text;
  bool failed = false;
};

UploadSpool::UploadSpool(std::unique_ptr<State> state) : state_(std::move(state)) {}
UploadSpool::UploadSpool(UploadSpool&&) noexcept = default;
UploadSpool& UploadSpool::operator=(UploadSpool&&) noexcept = default;
UploadSpool::~UploadSpool() = default;

Result<UploadSpool> UploadSpool::create(const std::filesystem::path& directory,
                                        std::uint64_t max_bytes) {
  auto state = std::make_unique<State>();
  state->max_bytes = max_bytes;
  state->path = directory / (platform::core::Uuid::v4().to_string() + ".part");
  state->descriptor = ::open(state->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (state->descriptor < 0) {
    const std::string reason = std::strerror(errno);
    state->path.clear();
    return Error::unavailable(
        "the upload cannot be stored now",
        "cannot create a spool file in " + directory.string() + ": " + reason);
  }
  return UploadSpool(std::move(state));
}

std::uint64_t UploadSpool::size() const {
  return state_->size;
}

Result<void> UploadSpool::write(std::string_view data) {
  State& state = *state_;
  if (state.failed) return Error::internal("the spool already failed");
  if (data.size() > state.max_bytes - state.size) {
    state.failed = true;
    ::close(state.descriptor);
    state.descriptor = -1;
    remove_file(state.path);
    state.path.clear();
    return Error(
        platform::core::ErrorCode::kTooLarge,
        "the file exceeds the upload limit of " + std::to_string(state.max_bytes) + " bytes");
  }
  const char* cursor = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(state.descriptor, cursor, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      state.failed = true;
      return Error::unavailable("the upload cannot be stored now",
                                "writing the spool file: " + std::string(std::strerror(errno)));
    }
    cursor += n;
    left -= static_cast<std::size_t>(n);
  }
  state.digest.update(data);
  if (state.head.size() < domain::kHeadBytes) {
    state.head.append(data.substr(0, domain::kHeadBytes - state.head.size()));
  }
  if (data.size() >= domain::kTailBytes) {
    state.tail.assign(data.substr(data.size() - domain::kTailBytes));
  } else {
    state.tail.append(data);
    if (state.tail.size() > domain::kTailBytes) {
      state.tail.erase(0, state.tail.size() - domain::kTailBytes);
    }
  }
  if (state.text.text_so_far()) state.text.feed(data);
  state.size += data.size();
  return platform::core::ok();
}

Result<SpooledUpload> UploadSpool::finish() {
  State& state = *state_;
  if (state.failed) return Error::internal("the spool already failed");
  state.failed = true;  // finished: no more writes
  const int closed = ::close(state.descriptor);
  state.descriptor = -1;
  if (closed != 0) {
    return Error::unavailable("the upload cannot be stored now",
                              "closing the spool file: " + std::string(std::strerror(errno)));
  }
  SpooledUpload upload;
  upload.path = std::exchange(state.path, {});
  upload.size = state.size;
  upload.sha256 = state.digest.finish_hex();
  upload.head = std::move(state.head);
  upload.tail = std::move(state.tail);
  upload.text = state.text.finish();
  return upload;
}

}  // namespace file_service::application
