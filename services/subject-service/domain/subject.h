// The Subject: a course unit that syllabi belong to, and its rules.
//
//   SubjectDraft draft{.code = "CS-101", .name = "Programming", .credits = 6};
//   if (auto errors = validate(draft, Completeness::kAllRequired); !errors.empty()) ...
//   Subject subject = new_subject(id, draft, now);
//   Subject changed = apply(subject, patch, now);   // version + 1
//
// Standard library and platform::core only: no database, no HTTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/result.h"
#include "platform/core/time.h"
#include "platform/core/uuid.h"

namespace subject_service::domain {

inline constexpr std::size_t kCodeMinLength = 2;
inline constexpr std::size_t kCodeMaxLength = 20;
inline constexpr std::size_t kNameMaxLength = 200;
inline constexpr std::size_t kDescriptionMaxLength = 2000;
inline constexpr std::size_t kDepartmentMaxLength = 100;
inline constexpr std::int64_t kCreditsMax = 60;

struct Subject {
  platform::core::Uuid id;
  std::string code;  // unique, 2-20 of A-Z 0-9 -
  std::string name;
  std::string description;
  std::int64_t credits = 0;
  std::string department;
  std::int64_t version = 1;  // + 1 on every change; the ETag
  platform::core::Timestamp created_at;
  platform::core::Timestamp updated_at;

  friend bool operator==(const Subject&, const Subject&) = default;
};

// The writable fields; absent ones are left as they are (update) or defaulted (create).
struct SubjectDraft {
  std::optional<std::string> code;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::int64_t> credits;
  std::optional<std::string> department;

  bool empty() const { return !code && !name && !description && !credits && !department; }
};

enum class Completeness {
  kAllRequired,  // creating: code and name must be present
  kPartial,      // updating: only present fields are checked
};

// Every rule a present field breaks, one FieldError per field, in field order.
std::vector<platform::core::FieldError> validate(const SubjectDraft& draft,
                                                 Completeness completeness);

// A new subject at version 1 from a draft that passed validate(kAllRequired).
Subject new_subject(const platform::core::Uuid& id, const SubjectDraft& draft,
                    platform::core::Timestamp now);

// `subject` with the draft's present fields applied, version + 1, updated_at = now.
Subject apply(const Subject& subject, const SubjectDraft& draft, platform::core::Timestamp now);

// True when applying the draft would change nothing.
bool changes_nothing(const Subject& subject, const SubjectDraft& draft);

// kVersionMismatch unless `expected` (a request's If-Match) is absent or the subject's
// version.
platform::core::Result<void> check_version(const Subject& subject,
                                           std::optional<std::int64_t> expected);

}  // namespace subject_service::domain
