// ListSubjectsQuery and its handler: a page of subjects, filtered, with an opaque cursor
// to the next page.
#pragma once

#include <optional>
#include <string>

#include "application/subject_repository.h"

namespace subject_service::application {

inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 200;

struct ListSubjectsQuery {
  std::size_t limit = kDefaultPageSize;
  std::optional<std::string> cursor;  // opaque, from a previous page's next_cursor
  std::optional<std::string> department;
  std::optional<std::string> text;
};

struct SubjectListPage {
  std::vector<domain::Subject> items;
  std::optional<std::string> next_cursor;  // absent on the last page
};

class ListSubjectsHandler {
 public:
  explicit ListSubjectsHandler(SubjectRepository& repository) : repository_(repository) {}
  // kMalformed (with field errors) for a bad limit or cursor.
  platform::core::Result<SubjectListPage> handle(const ListSubjectsQuery& query);

 private:
  SubjectRepository& repository_;
};

}  // namespace subject_service::application
