#include "infrastructure/sql_file_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "infrastructure/file_event_mapper.h"
#include "platform/db/import_ledger.h"
#include "platform/events/outbox.h"

namespace file_service::infrastructure {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;
using platform::core::Uuid;
using platform::db::Session;

constexpr const char* kColumns =
    "id, filename, content_type, size, sha256, storage_key, uploaded_by, created_at";

// One row as SOCI binds it: plain strings and a signed 64-bit size.
struct FileRow {
  std::string id, filename, content_type, sha256, storage_key, uploaded_by, created_at;
  long long size = 0;

  static Result<FileRow> from(const domain::FileMetadata& file) {
    // BIGINT is signed on both backends; wrapping a huge size into a negative one would
    // store a lie, so it is refused (no real file comes near 8 EiB).
    if (file.size > static_cast<std::uint64_t>(std::numeric_limits<long long>::max()))
      return Error::invalid_argument("size", "must be at most 9223372036854775807 bytes");
    return FileRow{file.id.to_string(),
                   file.filename,
                   file.content_type,
                   file.sha256,
                   file.storage_key,
                   file.uploaded_by,
                   platform::core::format_rfc3339(file.created_at),
                   static_cast<long long>(file.size)};
  }

  Result<domain::FileMetadata> to_file() const {
    const auto parsed_id = Uuid::parse(id);
    const auto created = platform::core::parse_rfc3339(created_at);
    if (!parsed_id || !created || size < 0)
      return Error::internal("files row " + id + " holds an unreadable id, time or size");
    return domain::FileMetadata{
        *parsed_id, filename,    content_type, static_cast<std::uint64_t>(size),
        sha256,     storage_key, uploaded_by,  *created};
  }
};

constexpr std::string_view kImportKind = "files";

Result<void> insert_row(Session& session, FileRow& row) {
  try {
    session.sql() << "INSERT INTO files (" << kColumns
                  << ") VALUES (:id, :filename, :content_type, :size, :sha256, :storage_key, "
                     ":uploaded_by, :created_at)",
        soci::use(row.id), soci::use(row.filename), soci::use(row.content_type),
        soci::use(row.size), soci::use(row.sha256), soci::use(row.storage_key),
        soci::use(row.uploaded_by), soci::use(row.created_at);
  } catch (const std::exception&) {
    Error error = platform::db::classify_current_exception(session.backend());
    // Which unique key was hit is only in the driver's message; both mean the same to
    // the caller. The storage key is internal, so it goes to the log only.
    if (error.code() == ErrorCode::kAlreadyExists)
      return Error(ErrorCode::kAlreadyExists,
                   "file " + row.id + " or its storage key exists already",
                   "storage key " + row.storage_key + ": " + error.log_detail());
    return error;
  }
  return platform::core::ok();
}

Result<void> record(Session& session, const application::Change& change) {
  return platform::events::append_to_outbox(session, kFileStream, to_event(change));
}

}  // namespace

Result<void> SqlFileRepository::committed(Result<void> result) const {
  if (result && events_committed_) events_committed_();
  return result;
}

Result<void> SqlFileRepository::insert(const domain::FileMetadata& file,
                                       const application::Change& change) {
  auto converted = FileRow::from(file);
  if (!converted) return std::move(converted).error();
  return committed(database_.transaction<void>([&](Session& session) -> Result<void> {
    if (auto inserted = insert_row(session, *converted); !inserted) return inserted;
    return record(session, change);
  }));
}

Result<std::optional<domain::FileMetadata>> SqlFileRepository::imported(
    const std::string& legacy_id) {
  auto id = database_.read<std::optional<std::string>>(
      [&](Session& session) { return platform::db::imported_id(session, kImportKind, legacy_id); });
  if (!id) return std::move(id).error();
  if (!*id) return std::optional<domain::FileMetadata>();
  const auto parsed = Uuid::parse(**id);
  if (!parsed) return Error::internal("the ledger holds an unreadable file id " + **id);
  auto file = find(*parsed);
  if (!file) return std::move(file).error();
  return std::optional<domain::FileMetadata>(std::move(*file));
}

Result<void> SqlFileRepository::insert_imported(const std::string& legacy_id,
                                                const domain::FileMetadata& file,
                                                const application::Change& change) {
  auto converted = FileRow::from(file);
  if (!converted) return std::move(converted).error();
  return committed(database_.transaction<void>([&](Session& session) -> Result<void> {
    // The ledger first: a second import of the same legacy file fails here, on its key.
    if (auto noted = platform::db::record_import(session, kImportKind, legacy_id, converted->id,
                                                 platform::core::now_utc());
        !noted)
      return noted;
    if (auto inserted = insert_row(session, *converted); !inserted) return inserted;
    return record(session, change);
  }));
}

Result<domain::FileMetadata> SqlFileRepository::find(const Uuid& id) {
  const std::string id_text = id.to_string();
  return database_.read<domain::FileMetadata>(
      [&](Session& session) -> Result<domain::FileMetadata> {
        FileRow row;
        session.sql() << "SELECT " << kColumns << " FROM files WHERE id = :id", soci::into(row.id),
            soci::into(row.filename), soci::into(row.content_type), soci::into(row.size),
            soci::into(row.sha256), soci::into(row.storage_key), soci::into(row.uploaded_by),
            soci::into(row.created_at), soci::use(id_text);
        if (!session.sql().got_data())
          return Error::not_found("file " + id_text + " does not exist");
        return row.to_file();
      });
}

Result<void> SqlFileRepository::remove(const Uuid& id, const application::Change& change) {
  const std::string id_text = id.to_string();
  return committed(database_.transaction<void>([&](Session& session) -> Result<void> {
    soci::statement statement =
        (session.sql().prepare << "DELETE FROM files WHERE id = :id", soci::use(id_text));
    statement.execute(true);
    if (statement.get_affected_rows() != 1)
      return Error::not_found("file " + id_text + " does not exist");
    return record(session, change);
  }));
}

Result<application::FilePage> SqlFileRepository::list(const application::FilePageRequest& request) {
  return database_.read<application::FilePage>(
      [&](Session& session) -> Result<application::FilePage> {
        // One more row than asked tells whether another page follows.
        const int fetch = static_cast<int>(request.limit) + 1;
        const std::string after = request.after ? request.after->to_string() : std::string();
        std::string sql = std::string("SELECT ") + kColumns + " FROM files";
        if (request.after) sql += " WHERE id > :after";
        sql += " ORDER BY id LIMIT :fetch";

        const auto rows = static_cast<std::size_t>(fetch);
        std::vector<std::string> ids(rows), filenames(rows), content_types(rows), sha256s(rows),
            storage_keys(rows), uploaders(rows), created(rows);
        std::vector<long long> sizes(rows);
        soci::statement statement(session.sql());
        statement.alloc();
        statement.exchange(soci::into(ids));
        statement.exchange(soci::into(filenames));
        statement.exchange(soci::into(content_types));
        statement.exchange(soci::into(sizes));
        statement.exchange(soci::into(sha256s));
        statement.exchange(soci::into(storage_keys));
        statement.exchange(soci::into(uploaders));
        statement.exchange(soci::into(created));
        if (request.after) statement.exchange(soci::use(after, "after"));
        statement.exchange(soci::use(fetch, "fetch"));
        statement.prepare(sql);
        statement.define_and_bind();

        application::FilePage page;
        // With no rows, SOCI leaves the vectors as they were on SQLite (see
        // referenced_keys()); with rows it shrinks them to what was fetched.
        if (!statement.execute(true)) return page;
        const std::size_t fetched = ids.size();
        page.has_more = fetched > request.limit;
        for (std::size_t i = 0; i < fetched && i < request.limit; ++i) {
          const FileRow row{std::move(ids[i]),           std::move(filenames[i]),
                            std::move(content_types[i]), std::move(sha256s[i]),
                            std::move(storage_keys[i]),  std::move(uploaders[i]),
                            std::move(created[i]),       sizes[i]};
          auto file = row.to_file();
          if (!file) return std::move(file).error();
          page.items.push_back(std::move(file).value());
        }
        return page;
      });
}

Result<std::unordered_set<std::string>> SqlFileRepository::referenced_keys(
    const std::vector<std::string>& keys) {
  // Sorted and deduplicated: each key is bound once, and a query never returns more rows
  // than it asked about (storage_key is unique), so one bulk fetch per chunk suffices.
  std::vector<std::string> distinct = keys;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::unordered_set<std::string> referenced;
  if (distinct.empty()) return referenced;

  auto status = database_.read<void>([&](Session& session) -> Result<void> {
    for (std::size_t start = 0; start < distinct.size(); start += kKeysPerQuery) {
      const std::size_t count = std::min(kKeysPerQuery, distinct.size() - start);
      std::string sql = "SELECT storage_key FROM files WHERE storage_key IN (";
      for (std::size_t i = 0; i < count; ++i) sql += (i == 0 ? ":k" : ", :k") + std::to_string(i);
      sql += ")";

      std::vector<std::string> found(count);
      soci::statement statement(session.sql());
      statement.alloc();
      statement.exchange(soci::into(found));
      for (std::size_t i = 0; i < count; ++i) statement.exchange(soci::use(distinct[start + i]));
      statement.prepare(sql);
      statement.define_and_bind();
      // With no rows, SOCI leaves the vector as it was (size `count`) on SQLite; with
      // rows it shrinks it to what was fetched.
      if (!statement.execute(true)) continue;
      for (auto& key : found) referenced.insert(std::move(key));
    }
    return platform::core::ok();
  });
  if (!status) return std::move(status).error();
  return referenced;
}

}  // namespace file_service::infrastructure
