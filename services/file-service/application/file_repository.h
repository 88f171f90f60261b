// The port through which commands and queries reach file metadata. Implemented by
// infrastructure/sql_file_repository (SQLite and PostgreSQL) and by fakes in tests.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "domain/file_metadata.h"
#include "platform/core/result.h"

namespace file_service::application {

// The request that caused a change, carried into the events it produces.
struct EventOrigin {
  std::string traceparent;
  std::string correlation_id;  // the request's X-Request-ID
};

// A state change and the event that announces it: stored in one transaction, so an
// event is published if and only if its change committed.
struct Change {
  domain::FileEvent event;
  EventOrigin origin;
};

// One page of a listing in id order (creation order: ids are UUIDv7).
struct FilePageRequest {
  std::size_t limit = 50;
  std::optional<platform::core::Uuid> after;  // keyset: only ids greater than this
};

struct FilePage {
  std::vector<domain::FileMetadata> items;
  bool has_more = false;  // another page follows the last item
};

class FileRepository {
 public:
  virtual ~FileRepository() = default;

  // Stores new metadata and its file.uploaded event. kAlreadyExists when the id or the
  // storage key is taken.
  virtual platform::core::Result<void> insert(const domain::FileMetadata& file,
                                              const Change& change) = 0;
  // kNotFound when absent.
  virtual platform::core::Result<domain::FileMetadata> find(const platform::core::Uuid& id) = 0;
  // Deletes the metadata and stores its file.deleted event; kNotFound when already gone.
  virtual platform::core::Result<void> remove(const platform::core::Uuid& id,
                                              const Change& change) = 0;
  // At most `request.limit` files after `request.after`, in id order.
  virtual platform::core::Result<FilePage> list(const FilePageRequest& request) = 0;
  // Which of `keys` some metadata still points at: orphan collection removes the others.
  virtual platform::core::Result<std::unordered_set<std::string>> referenced_keys(
      const std::vector<std::string>& keys) = 0;
};

}  // namespace file_service::application
