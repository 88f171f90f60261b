// The syllabus-service's queries: one syllabus (its working, published or a numbered
// revision), its history, the differences between two revisions, and the list.
//
//   SyllabusQueries queries(repository);
//   Result<Syllabus> shown = queries.get({.id = id, .which = Which::kPublished});
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "application/syllabus_repository.h"
#include "domain/syllabus.h"

namespace syllabus_service::application {

inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 200;

struct GetSyllabusQuery {
  platform::core::Uuid id;
  enum class Which { kWorking, kPublished, kNumbered } which = Which::kWorking;
  std::int64_t revision = 0;  // kNumbered
};

struct DiffQuery {
  platform::core::Uuid id;
  std::int64_t from = 0;
  std::int64_t to = 0;
};

struct RevisionPair {
  domain::Syllabus from;
  domain::Syllabus to;
};

class SyllabusQueries {
 public:
  explicit SyllabusQueries(SyllabusRepository& repository) : repository_(repository) {}

  platform::core::Result<domain::Syllabus> get(const GetSyllabusQuery& query);
  // The answer to `query` from memory, without blocking (the working revision, cached);
  // nullopt when only get() can tell.
  std::shared_ptr<const domain::Syllabus> get_from_memory(const GetSyllabusQuery& query);
  platform::core::Result<std::vector<domain::Syllabus>> revisions(const platform::core::Uuid& id);
  // Both revisions, for the API to render their differences.
  platform::core::Result<RevisionPair> diff(const DiffQuery& query);
  // kMalformed for a limit outside 1-200 (400, as every list of the platform answers).
  platform::core::Result<SyllabusPage> list(SyllabusFilter filter);

 private:
  SyllabusRepository& repository_;
};

}  // namespace syllabus_service::application
