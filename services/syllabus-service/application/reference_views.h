// What the syllabus-service knows locally of the subjects and files syllabi refer to:
// the read model fed by the subject- and file-service's events. Used to embed them in
// answers (?expand=subject,files) without calling their owners, and to decide a command
// when an owner cannot be asked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "platform/core/result.h"
#include "platform/core/uuid.h"

namespace syllabus_service::application {

struct SubjectView {
  platform::core::Uuid id;
  std::string code;
  std::string name;
  std::int64_t credits = 0;
  std::string department;
  std::int64_t version = 1;

  friend bool operator==(const SubjectView&, const SubjectView&) = default;
};

struct FileView {
  platform::core::Uuid id;
  std::string filename;
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;

  friend bool operator==(const FileView&, const FileView&) = default;
};

// What the read model says of one reference.
template <typename View>
struct Known {
  enum class State { kUnknown, kLive, kDeleted } state = State::kUnknown;
  View view;  // kLive

  static Known unknown() { return {}; }
  static Known live(View view) { return {State::kLive, std::move(view)}; }
  static Known deleted() { return {State::kDeleted, {}}; }
};

class ReferenceViews {
 public:
  virtual ~ReferenceViews() = default;
  virtual platform::core::Result<Known<SubjectView>> subject(const platform::core::Uuid& id) = 0;
  virtual platform::core::Result<Known<FileView>> file(const platform::core::Uuid& id) = 0;
  // What the views hold in memory, without blocking; nullopt when they would have to look.
  virtual std::optional<Known<SubjectView>> subject_in_memory(const platform::core::Uuid& /*id*/) {
    return std::nullopt;
  }
  virtual std::optional<Known<FileView>> file_in_memory(const platform::core::Uuid& /*id*/) {
    return std::nullopt;
  }
  // Stores what an owner answered (a miss fetched once), unless a newer version is known.
  virtual platform::core::Result<void> store_subject(const SubjectView& view) = 0;
  virtual platform::core::Result<void> store_file(const FileView& view) = 0;
};

}  // namespace syllabus_service::application
