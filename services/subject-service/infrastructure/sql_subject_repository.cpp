#include "infrastructure/sql_subject_repository.h"

#include <soci/soci.h>

#include "infrastructure/subject_event_mapper.h"
#include "platform/core/strings.h"
#include "platform/db/import_ledger.h"
#include "platform/events/outbox.h"

namespace subject_service::infrastructure {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;
using platform::core::Uuid;
using platform::db::Session;

constexpr const char* kColumns =
    "id, code, name, description, credits, department, version, created_at, updated_at";

// One row as SOCI binds it: plain strings and integers, no optionals or bools.
struct SubjectRow {
  std::string id, code, name, description, department, created_at, updated_at;
  int credits = 0;
  long long version = 0;

  static SubjectRow from(const domain::Subject& subject) {
    return {subject.id.to_string(),
            subject.code,
            subject.name,
            subject.description,
            subject.department,
            platform::core::format_rfc3339(subject.created_at),
            platform::core::format_rfc3339(subject.updated_at),
            static_cast<int>(subject.credits),
            static_cast<long long>(subject.version)};
  }

  Result<domain::Subject> to_subject() const {
    const auto parsed_id = Uuid::parse(id);
    const auto created = platform::core::parse_rfc3339(created_at);
    const auto updated = platform::core::parse_rfc3339(updated_at);
    if (!parsed_id || !created || !updated)
      return Error::internal("subjects row " + id + " holds an unreadable id or timestamp");
    return domain::Subject{*parsed_id, code,    name,     description, credits,
                           department, version, *created, *updated};
  }
};

// Escapes LIKE wildcards so that user text matches literally.
std::string like_pattern(std::string_view text) {
  std::string pattern = "%";
  for (char c : platform::core::ascii_lower(text)) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

Error duplicate_code(const std::string& code) {
  return Error::already_exists("a subject with code " + code + " exists already");
}

// Runs `statement` work and turns a unique violation into "code taken".
template <typename Work>
Result<void> guard_unique_code(Session& session, const std::string& code, Work&& work) {
  try {
    work();
    return platform::core::ok();
  } catch (const std::exception&) {
    Error error = platform::db::classify_current_exception(session.backend());
    if (error.code() == ErrorCode::kAlreadyExists) return duplicate_code(code);
    return error;
  }
}

Result<void> insert_row(Session& session, SubjectRow& row) {
  return guard_unique_code(session, row.code, [&] {
    session.sql() << "INSERT INTO subjects (" << kColumns
                  << ") VALUES (:id, :code, :name, :description, :credits, :department, "
                     ":version, :created_at, :updated_at)",
        soci::use(row.id), soci::use(row.code), soci::use(row.name), soci::use(row.description),
        soci::use(row.credits), soci::use(row.department), soci::use(row.version),
        soci::use(row.created_at), soci::use(row.updated_at);
  });
}

Result<void> record(Session& session, const application::Change& change) {
  return platform::events::append_to_outbox(session, kSubjectStream, to_event(change));
}

}  // namespace

Result<void> SqlSubjectRepository::committed(Result<void> result) const {
  if (result && events_committed_) events_committed_();
  return result;
}

Result<void> SqlSubjectRepository::insert(const domain::Subject& subject,
                                          const application::Change& change) {
  SubjectRow row = SubjectRow::from(subject);
  return committed(database_.transaction<void>([&](Session& session) -> Result<void> {
    if (auto inserted = insert_row(session, row); !inserted) return inserted;
    return record(session, change);
  }));
}

Result<std::vector<platform::core::ImportResult>> SqlSubjectRepository::import(
    const std::vector<application::ImportedSubject>& subjects,
    const application::EventOrigin& origin) {
  using platform::core::ImportOutcome;
  using platform::core::ImportResult;
  constexpr std::string_view kKind = "subjects";
  const auto now = platform::core::now_utc();
  std::vector<ImportResult> results;
  auto imported = database_.transaction<void>([&](Session& session) -> Result<void> {
    results.clear();  // a retried transaction starts over
    for (const auto& [legacy_id, subject] : subjects) {
      auto known = platform::db::imported_id(session, kKind, legacy_id);
      if (!known) return known.error();
      if (*known) {
        results.push_back({legacy_id, ImportOutcome::kExisting, **known, ""});
        continue;
      }
      std::string holder;
      session.sql() << "SELECT id FROM subjects WHERE code = :code", soci::into(holder),
          soci::use(subject.code);
      if (session.sql().got_data()) {
        results.push_back({legacy_id, ImportOutcome::kConflict, "",
                           "code " + subject.code + " is held by subject " + holder});
        continue;
      }
      SubjectRow row = SubjectRow::from(subject);
      if (auto inserted = insert_row(session, row); !inserted) return inserted;
      if (auto noted = platform::db::record_import(session, kKind, legacy_id, row.id, now); !noted)
        return noted;
      if (auto recorded = record(session, {domain::SubjectCreated{subject}, origin}); !recorded)
        return recorded;
      results.push_back({legacy_id, ImportOutcome::kCreated, row.id, ""});
    }
    return platform::core::ok();
  });
  bool created_any = false;
  for (const auto& result : results)
    created_any = created_any || result.outcome == ImportOutcome::kCreated;
  if (!imported) return std::move(imported).error();
  if (created_any && events_committed_) events_committed_();
  return results;
}

Result<domain::Subject> SqlSubjectRepository::find(const Uuid& id) {
  const std::string id_text = id.to_string();
  return database_.read<domain::Subject>([&](Session& session) -> Result<domain::Subject> {
    SubjectRow row;
    session.sql() << "SELECT " << kColumns << " FROM subjects WHERE id = :id", soci::into(row.id),
        soci::into(row.code), soci::into(row.name), soci::into(row.description),
        soci::into(row.credits), soci::into(row.department), soci::into(row.version),
        soci::into(row.created_at), soci::into(row.updated_at), soci::use(id_text);
    if (!session.sql().got_data())
      return Error::not_found("subject " + id_text + " does not exist");
    return row.to_subject();
  });
}

Result<void> SqlSubjectRepository::update(const domain::Subject& subject,
                                          std::int64_t expected_version,
                                          const application::Change& change) {
  SubjectRow row = SubjectRow::from(subject);
  long long expected = expected_version;
  return committed(database_.transaction<void>([&](Session& session) -> Result<void> {
    long long affected = 0;
    auto stored =
        guard_unique_code(session, row.code, [&] {
          soci::statement statement =
              (session.sql().prepare
                   << "UPDATE subjects SET code = :code, name = :name, "
                      "description = :description, credits = :credits, "
                      "department = :department, version = :version, "
                      "updated_at = :updated_at WHERE id = :id AND version = :expected",
               soci::use(row.code), soci::use(row.name), soci::use(row.description),
               soci::use(row.credits), soci::use(row.department), soci::use(row.version),
               soci::use(row.updated_at), soci::use(row.id), soci::use(expected));
          statement.execute(true);
          affected = statement.get_affected_rows();
        });
    if (!stored) return stored;
    if (affected == 1) return record(session, change);
    long long current = 0;
    session.sql() << "SELECT version FROM subjects WHERE id = :id", soci::into(current),
        soci::use(row.id);
    if (!session.sql().got_data()) return Error::not_found("subject " + row.id + " does not exist");
    return Error::version_mismatch("subject is at version " + std::to_string(current) + ", not " +
                                   std::to_string(expected));
  }));
}

Result<void> SqlSubjectRepository::remove(const Uuid& id, std::int64_t expected_version,
                                          const application::Change& change) {
  const std::string id_text = id.to_string();
  long long expected = expected_version;
  return committed(database_.transaction<void>([&](Session& session) -> Result<void> {
    soci::statement statement =
        (session.sql().prepare << "DELETE FROM subjects WHERE id = :id AND version = :expected",
         soci::use(id_text), soci::use(expected));
    statement.execute(true);
    if (statement.get_affected_rows() == 1) return record(session, change);
    long long current = 0;
    session.sql() << "SELECT version FROM subjects WHERE id = :id", soci::into(current),
        soci::use(id_text);
    if (!session.sql().got_data())
      return Error::not_found("subject " + id_text + " does not exist");
    return Error::version_mismatch("subject is at version " + std::to_string(current) + ", not " +
                                   std::to_string(expected));
  }));
}

Result<application::SubjectPage> SqlSubjectRepository::list(
    const application::SubjectFilter& filter) {
  return database_.read<application::SubjectPage>(
      [&](Session& session) -> Result<application::SubjectPage> {
        // One more row than asked tells whether another page follows.
        const int fetch = static_cast<int>(filter.limit) + 1;
        const std::string after = filter.after ? filter.after->to_string() : std::string();
        const std::string department = filter.department.value_or("");
        const std::string pattern = filter.text ? like_pattern(*filter.text) : std::string();

        std::string sql = std::string("SELECT ") + kColumns + " FROM subjects WHERE 1 = 1";
        if (filter.after) sql += " AND id > :after";
        if (filter.department) sql += " AND department = :department";
        if (filter.text)
          sql +=
              " AND (lower(code) LIKE :pattern ESCAPE '\\' OR lower(name) LIKE :pattern2 "
              "ESCAPE '\\')";
        sql += " ORDER BY id LIMIT :fetch";

        std::vector<std::string> ids(fetch), codes(fetch), names(fetch), descriptions(fetch),
            departments(fetch), created(fetch), updated(fetch);
        std::vector<int> credits(fetch);
        std::vector<long long> versions(fetch);
        soci::statement statement(session.sql());
        statement.alloc();
        statement.exchange(soci::into(ids));
        statement.exchange(soci::into(codes));
        statement.exchange(soci::into(names));
        statement.exchange(soci::into(descriptions));
        statement.exchange(soci::into(credits));
        statement.exchange(soci::into(departments));
        statement.exchange(soci::into(versions));
        statement.exchange(soci::into(created));
        statement.exchange(soci::into(updated));
        if (filter.after) statement.exchange(soci::use(after, "after"));
        if (filter.department) statement.exchange(soci::use(department, "department"));
        if (filter.text) {
          statement.exchange(soci::use(pattern, "pattern"));
          statement.exchange(soci::use(pattern, "pattern2"));
        }
        statement.exchange(soci::use(fetch, "fetch"));
        statement.prepare(sql);
        statement.define_and_bind();
        statement.execute(true);

        application::SubjectPage page;
        const std::size_t rows = ids.size();
        page.has_more = rows > filter.limit;
        for (std::size_t i = 0; i < rows && i < filter.limit; ++i) {
          SubjectRow row{ids[i],     codes[i],   names[i],   descriptions[i], departments[i],
                         created[i], updated[i], credits[i], versions[i]};
          auto subject = row.to_subject();
          if (!subject) return std::move(subject).error();
          page.items.push_back(std::move(subject).value());
        }
        return page;
      });
}

}  // namespace subject_service::infrastructure
