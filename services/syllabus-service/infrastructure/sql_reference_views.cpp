#include "infrastructure/sql_reference_views.h"

#include <soci/soci.h>

#include "platform/events/read_model.h"

namespace syllabus_service::infrastructure {
namespace {

using application::FileView;
using application::Known;
using application::SubjectView;
using platform::core::Result;
using platform::core::Uuid;
using platform::db::Session;

const platform::events::ReadModelTable kSubjects{
    .name = "subject_views", .key = {"id"}, .columns = {"code", "name", "credits", "department"}};
const platform::events::ReadModelTable kFiles{
    .name = "file_views", .key = {"id"}, .columns = {"filename", "content_type", "size", "sha256"}};
constexpr std::int64_t kFileLiveVersion = 1;
constexpr std::int64_t kFileDeletedVersion = 2;

template <typename Work>
auto guarded(platform::db::Backend backend, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (...) {
    return platform::db::classify_current_exception(backend);
  }
}

}  // namespace

SqlReferenceViews::SqlReferenceViews(platform::db::Database& database,
                                     std::chrono::milliseconds ttl)
    : database_(database),
      subjects_(ttl, kMaxEntries),
      files_(ttl, kMaxEntries),
      subject_refresher_("subject-view-refresh",
                         [this](const Uuid& id) { (void)load_subject(id); }),
      file_refresher_("file-view-refresh", [this](const Uuid& id) { (void)load_file(id); }) {
  if (subjects_.enabled()) {
    subject_refresher_.start();
    file_refresher_.start();
  }
}

Result<Known<SubjectView>> SqlReferenceViews::subject(const Uuid& id) {
  if (auto hit = subject_in_memory(id)) return std::move(*hit);
  return load_subject(id);
}

std::optional<Known<SubjectView>> SqlReferenceViews::subject_in_memory(const Uuid& id) {
  auto hit = subjects_.lookup(id);
  if (!hit) return std::nullopt;
  if (hit->refresh) subject_refresher_.request(id);
  return std::move(hit->value);
}

Result<Known<SubjectView>> SqlReferenceViews::load_subject(const Uuid& id) {
  const auto generation = subjects_.generation();
  const std::string key = id.to_string();
  auto loaded = database_.read<Known<SubjectView>>([&](Session& session) {
    return guarded(session.backend(), [&]() -> Result<Known<SubjectView>> {
      std::string code;
      std::string name;
      std::string department;
      long long credits = 0;
      long long version = 0;
      int deleted = 0;
      soci::indicator code_null = soci::i_ok;
      soci::indicator name_null = soci::i_ok;
      soci::indicator department_null = soci::i_ok;
      soci::indicator credits_null = soci::i_ok;
      session.sql() << "SELECT code, name, department, credits, version, deleted FROM "
                       "subject_views WHERE id = :id",
          soci::into(code, code_null), soci::into(name, name_null),
          soci::into(department, department_null), soci::into(credits, credits_null),
          soci::into(version), soci::into(deleted), soci::use(key);
      if (!session.sql().got_data()) return Known<SubjectView>::unknown();
      if (deleted != 0) return Known<SubjectView>::deleted();
      return Known<SubjectView>::live(
          {.id = id,
           .code = code_null == soci::i_ok ? code : "",
           .name = name_null == soci::i_ok ? name : "",
           .credits = credits_null == soci::i_ok ? credits : 0,
           .department = department_null == soci::i_ok ? department : "",
           .version = version});
    });
  });
  if (loaded) subjects_.put(id, *loaded, generation);
  return loaded;
}

Result<Known<FileView>> SqlReferenceViews::file(const Uuid& id) {
  if (auto hit = file_in_memory(id)) return std::move(*hit);
  return load_file(id);
}

std::optional<Known<FileView>> SqlReferenceViews::file_in_memory(const Uuid& id) {
  auto hit = files_.lookup(id);
  if (!hit) return std::nullopt;
  if (hit->refresh) file_refresher_.request(id);
  return std::move(hit->value);
}

Result<Known<FileView>> SqlReferenceViews::load_file(const Uuid& id) {
  const auto generation = files_.generation();
  const std::string key = id.to_string();
  auto loaded = database_.read<Known<FileView>>([&](Session& session) {
    return guarded(session.backend(), [&]() -> Result<Known<FileView>> {
      std::string filename;
      std::string content_type;
      std::string sha256;
      long long size = 0;
      int deleted = 0;
      soci::indicator filename_null = soci::i_ok;
      soci::indicator type_null = soci::i_ok;
      soci::indicator sha_null = soci::i_ok;
      soci::indicator size_null = soci::i_ok;
      session.sql() << "SELECT filename, content_type, sha256, size, deleted FROM file_views "
                       "WHERE id = :id",
          soci::into(filename, filename_null), soci::into(content_type, type_null),
          soci::into(sha256, sha_null), soci::into(size, size_null), soci::into(deleted),
          soci::use(key);
      if (!session.sql().got_data()) return Known<FileView>::unknown();
      if (deleted != 0) return Known<FileView>::deleted();
      return Known<FileView>::live({.id = id,
                                    .filename = filename_null == soci::i_ok ? filename : "",
                                    .content_type = type_null == soci::i_ok ? content_type : "",
                                    .size = size_null == soci::i_ok ? size : 0,
                                    .sha256 = sha_null == soci::i_ok ? sha256 : ""});
    });
  });
  if (loaded) files_.put(id, *loaded, generation);
  return loaded;
}

Result<void> SqlReferenceViews::store_subject(const SubjectView& view) {
  subjects_.erase(view.id);
  return database_.transaction<void>([&](Session& session) -> Result<void> {
    auto applied = apply_subject(session, view);
    if (!applied) return std::move(applied).error();
    return platform::core::ok();
  });
}

Result<void> SqlReferenceViews::store_file(const FileView& view) {
  files_.erase(view.id);
  return database_.transaction<void>([&](Session& session) -> Result<void> {
    auto applied = apply_file(session, view);
    if (!applied) return std::move(applied).error();
    return platform::core::ok();
  });
}

Result<bool> SqlReferenceViews::apply_subject(Session& session, const SubjectView& view) {
  subjects_.erase(view.id);
  return platform::events::upsert_if_newer(session, kSubjects, {view.id.to_string()}, view.version,
                                           {view.code, view.name, view.credits, view.department});
}

Result<bool> SqlReferenceViews::apply_subject_deleted(Session& session, const Uuid& id,
                                                      std::int64_t version) {
  subjects_.erase(id);
  return platform::events::delete_if_newer(session, kSubjects, {id.to_string()}, version);
}

Result<bool> SqlReferenceViews::apply_file(Session& session, const FileView& view) {
  files_.erase(view.id);
  return platform::events::upsert_if_newer(
      session, kFiles, {view.id.to_string()}, kFileLiveVersion,
      {view.filename, view.content_type, view.size, view.sha256});
}

Result<bool> SqlReferenceViews::apply_file_deleted(Session& session, const Uuid& id) {
  files_.erase(id);
  return platform::events::delete_if_newer(session, kFiles, {id.to_string()}, kFileDeletedVersion);
}

Result<void> SqlReferenceViews::record_progress(Session& session, const StreamProgress& progress) {
  return guarded(session.backend(), [&]() -> Result<void> {
    session.sql() << "INSERT INTO read_model_streams (stream, last_event_id, last_event_type, "
                     "last_event_time, applied_at, applied_total) VALUES (:stream, :id, :type, "
                     ":time, :applied_at, 1) ON CONFLICT (stream) DO UPDATE SET "
                     "last_event_id = excluded.last_event_id, "
                     "last_event_type = excluded.last_event_type, "
                     "last_event_time = excluded.last_event_time, "
                     "applied_at = excluded.applied_at, "
                     "applied_total = read_model_streams.applied_total + 1",
        soci::use(progress.stream), soci::use(progress.last_event_id),
        soci::use(progress.last_event_type), soci::use(progress.last_event_time),
        soci::use(progress.applied_at);
    return platform::core::ok();
  });
}

Result<ReadModelSummary> SqlReferenceViews::summary() {
  return database_.read<ReadModelSummary>([&](Session& session) {
    return guarded(session.backend(), [&]() -> Result<ReadModelSummary> {
      ReadModelSummary summary;
      long long live = 0;
      long long deleted = 0;
      session.sql() << "SELECT COUNT(*) - COALESCE(SUM(deleted), 0), COALESCE(SUM(deleted), 0) "
                       "FROM subject_views",
          soci::into(live), soci::into(deleted);
      summary.subjects = live;
      summary.subjects_deleted = deleted;
      session.sql() << "SELECT COUNT(*) - COALESCE(SUM(deleted), 0), COALESCE(SUM(deleted), 0) "
                       "FROM file_views",
          soci::into(live), soci::into(deleted);
      summary.files = live;
      summary.files_deleted = deleted;
      soci::rowset<soci::row> rows =
          (session.sql().prepare << "SELECT stream, last_event_id, last_event_type, "
                                    "last_event_time, applied_at, applied_total FROM "
                                    "read_model_streams ORDER BY stream");
      for (const soci::row& row : rows) {
        StreamProgress progress;
        progress.stream = row.get<std::string>(0);
        progress.last_event_id = row.get<std::string>(1);
        progress.last_event_type = row.get<std::string>(2);
        progress.last_event_time = row.get<std::string>(3);
        progress.applied_at = row.get<std::string>(4);
        progress.applied_total = row.get_properties(5).get_data_type() == soci::dt_integer
                                     ? row.get<int>(5)
                                     : row.get<long long>(5);
        summary.streams.push_back(std::move(progress));
      }
      return summary;
    });
  });
}

Result<bool> SqlReferenceViews::backfilled() {
  return database_.read<bool>([&](Session& session) {
    return guarded(session.backend(), [&]() -> Result<bool> {
      long long rows = 0;
      session.sql() << "SELECT COUNT(*) FROM read_model_state "
                       "WHERE name = 'backfill' AND value = 'done'",
          soci::into(rows);
      return rows > 0;
    });
  });
}

Result<void> SqlReferenceViews::mark_backfilled() {
  return database_.transaction<void>([&](Session& session) {
    return guarded(session.backend(), [&]() -> Result<void> {
      session.sql() << "INSERT INTO read_model_state (name, value) VALUES ('backfill', 'done') "
                       "ON CONFLICT (name) DO UPDATE SET value = 'done'";
      return platform::core::ok();
    });
  });
}

}  // namespace syllabus_service::infrastructure
