// ListFilesQuery and its handler: a page of files' metadata in creation order, with an
// opaque cursor to the next page (how peers such as the syllabus-service backfill their
// read models).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "application/file_repository.h"
#include "domain/file_metadata.h"
#include "platform/core/result.h"

namespace file_service::application {

inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 200;

struct ListFilesQuery {
  std::size_t limit = kDefaultPageSize;
  std::optional<std::string> cursor;  // opaque, from a previous page's next_cursor
};

struct FileListPage {
  std::vector<domain::FileMetadata> items;
  std::optional<std::string> next_cursor;  // absent on the last page
};

class ListFilesHandler {
 public:
  explicit ListFilesHandler(FileRepository& repository) : repository_(repository) {}
  // kMalformed (with field errors) for a bad limit or cursor.
  platform::core::Result<FileListPage> handle(const ListFilesQuery& query);

 private:
  FileRepository& repository_;
};

}  // namespace file_service::application
