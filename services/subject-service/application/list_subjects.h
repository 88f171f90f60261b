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

// The cursor is the last item's id, base64url-encoded: opaque to clients, stable
// under concurrent inserts (ids only grow), cheap to seek to with the primary key.
std::string encode_cursor(const platform::core::Uuid& last_id);
std::optional<platform::core::Uuid> decode_cursor(std::string_view cursor);

}  // namespace subject_service::application
