#include "infrastructure/sql_syllabus_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <map>
#include <set>

#include "infrastructure/syllabus_document.h"
#include "infrastructure/syllabus_event_mapper.h"
#include "platform/core/strings.h"
#include "platform/db/import_ledger.h"
#include "platform/events/outbox.h"

namespace syllabus_service::infrastructure {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;
using platform::core::Uuid;
using platform::db::Backend;
using platform::db::Session;

// One revision as SOCI binds it: plain strings and integers, no optionals or bools. The
// columns besides the document are copies of its fields that queries look at.
struct RevisionRow {
  std::string syllabus_id, status, title, summary, body, outcomes, document, updated_at;
  long long revision = 0;
  long long version = 0;
  std::vector<std::string> attachments;  // distinct file ids

  static RevisionRow from(const domain::Syllabus& syllabus) {
    RevisionRow row{syllabus.id.to_string(),
                    std::string(domain::to_string(syllabus.status)),
                    syllabus.title,
                    syllabus.summary,
                    syllabus.body,
                    {},
                    to_document(syllabus),
                    platform::core::format_rfc3339(syllabus.updated.at),
                    static_cast<long long>(syllabus.revision),
                    static_cast<long long>(syllabus.version),
                    {}};
    for (const auto& outcome : syllabus.learning_outcomes) {
      if (!row.outcomes.empty()) row.outcomes += '\n';
      row.outcomes += outcome.code + " " + outcome.statement;
    }
    std::set<std::string> files;
    for (const auto& file : syllabus.attachments) files.insert(file.to_string());
    row.attachments.assign(files.begin(), files.end());
    return row;
  }

  bool open() const { return status == "draft" || status == "in_review"; }
  std::string label() const {
    return "revision " + std::to_string(revision) + " of syllabus " + syllabus_id;
  }
};

// The identity of a syllabus as its row holds it.
struct Identity {
  std::string subject_id, academic_year, term;

  static Identity of(const domain::Syllabus& syllabus) {
    return {syllabus.subject_id.to_string(), syllabus.academic_year,
            std::string(domain::to_string(syllabus.term))};
  }
  friend bool operator==(const Identity&, const Identity&) = default;
};

// The revision that the working_revision column points at: the open one, else the
// published one, else the latest.
constexpr const char* kRefreshWorkingRevision =
    "UPDATE syllabi SET working_revision = ("
    "SELECT r.revision FROM syllabus_revisions r WHERE r.syllabus_id = :inner_id "
    "ORDER BY CASE WHEN r.status IN ('draft', 'in_review') THEN 0 "
    "WHEN r.status = 'published' THEN 1 ELSE 2 END, r.revision DESC LIMIT 1) "
    "WHERE id = :id";

constexpr const char* kLiveStatuses = "('draft', 'in_review', 'published')";

// ---- Errors -------------------------------------------------------------------------------

// Runs `work` (SOCI statements) and hands a unique violation to `on_unique`, keeping the
// database's message for the log; every other failure is classified as usual.
template <typename Work, typename OnUnique>
Result<void> guard_unique(Session& session, Work&& work, OnUnique&& on_unique) {
  try {
    work();
    return platform::core::ok();
  } catch (const std::exception&) {
    Error error = platform::db::classify_current_exception(session.backend());
    if (error.code() == ErrorCode::kAlreadyExists) return on_unique(error.log_detail());
    return error;
  }
}

Error identity_taken(const Identity& identity, std::string log_detail) {
  return {ErrorCode::kAlreadyExists,
          "a syllabus of subject " + identity.subject_id + " for " + identity.academic_year + " " +
              identity.term + " exists already",
          std::move(log_detail)};
}

bool mentions(const std::string& text, std::string_view fragment) {
  return text.find(fragment) != std::string::npos;
}

// A unique violation on syllabus_revisions: one of the store's rules, broken by a writer
// that raced this one. PostgreSQL names the index; SQLite names its columns (the two
// partial indexes both cover syllabus_id alone, so the written status tells them apart).
Error revision_conflict(const RevisionRow& row, std::string log_detail) {
  std::string detail;
  if (mentions(log_detail, "syllabus_revisions_one_published"))
    detail = "another revision of syllabus " + row.syllabus_id + " was published at the same time";
  else if (mentions(log_detail, "syllabus_revisions_one_open"))
    detail = "syllabus " + row.syllabus_id + " has another open revision (draft or in review)";
  else if (mentions(log_detail, "syllabus_revisions_pkey") ||
           mentions(log_detail, "syllabus_revisions.revision"))
    detail = row.label() + " was written at the same time";
  else if (row.status == "published")
    detail = "another revision of syllabus " + row.syllabus_id + " was published at the same time";
  else
    detail = "syllabus " + row.syllabus_id + " has another open revision (draft or in review)";
  return {ErrorCode::kFailedPrecondition, std::move(detail), std::move(log_detail)};
}

Error syllabus_missing(const std::string& id) {
  return Error::not_found("syllabus " + id + " does not exist");
}

// ---- Statements of a write ----------------------------------------------------------------

Result<void> insert_revision(Session& session, const RevisionRow& row) {
  return guard_unique(
      session,
      [&] {
        session.sql() << "INSERT INTO syllabus_revisions (syllabus_id, revision, status, version, "
                         "title, summary, body, outcomes, document, updated_at) VALUES "
                         "(:syllabus_id, :revision, :status, :version, :title, :summary, :body, "
                         ":outcomes, :document, :updated_at)",
            soci::use(row.syllabus_id), soci::use(row.revision), soci::use(row.status),
            soci::use(row.version), soci::use(row.title), soci::use(row.summary),
            soci::use(row.body), soci::use(row.outcomes), soci::use(row.document),
            soci::use(row.updated_at);
      },
      [&](std::string log) { return revision_conflict(row, std::move(log)); });
}

Result<void> update_revision(Session& session, const RevisionRow& row, long long expected) {
  long long affected = 0;
  auto updated = guard_unique(
      session,
      [&] {
        soci::statement statement =
            (session.sql().prepare
                 << "UPDATE syllabus_revisions SET status = :status, version = :version, "
                    "title = :title, summary = :summary, body = :body, outcomes = :outcomes, "
                    "document = :document, updated_at = :updated_at "
                    "WHERE syllabus_id = :syllabus_id AND revision = :revision "
                    "AND version = :expected",
             soci::use(row.status), soci::use(row.version), soci::use(row.title),
             soci::use(row.summary), soci::use(row.body), soci::use(row.outcomes),
             soci::use(row.document), soci::use(row.updated_at), soci::use(row.syllabus_id),
             soci::use(row.revision), soci::use(expected));
        statement.execute(true);
        affected = statement.get_affected_rows();
      },
      [&](std::string log) { return revision_conflict(row, std::move(log)); });
  if (!updated || affected == 1) return updated;
  long long current = 0;
  session.sql() << "SELECT version FROM syllabus_revisions WHERE syllabus_id = :syllabus_id AND "
                   "revision = :revision",
      soci::into(current), soci::use(row.syllabus_id), soci::use(row.revision);
  if (!session.sql().got_data()) return Error::not_found(row.label() + " does not exist");
  return Error::version_mismatch(row.label() + " is at version " + std::to_string(current) +
                                 ", not " + std::to_string(expected));
}

void store_attachments(Session& session, const RevisionRow& row) {
  session.sql() << "DELETE FROM syllabus_attachments WHERE syllabus_id = :syllabus_id AND "
                   "revision = :revision",
      soci::use(row.syllabus_id), soci::use(row.revision);
  for (const std::string& file : row.attachments)
    session.sql() << "INSERT INTO syllabus_attachments (syllabus_id, revision, file_id) VALUES "
                     "(:syllabus_id, :revision, :file_id)",
        soci::use(row.syllabus_id), soci::use(row.revision), soci::use(file);
}

// Points the syllabus at its working revision and, on SQLite, puts that revision's text
// into the FTS5 table (PostgreSQL's tsvector is a generated column of every revision).
void refresh(Session& session, const std::string& id) {
  session.sql() << kRefreshWorkingRevision, soci::use(id, "inner_id"), soci::use(id, "id");
  if (session.backend() != Backend::kSqlite) return;
  session.sql() << "INSERT INTO syllabus_search_keys (syllabus_id) VALUES (:id) "
                   "ON CONFLICT (syllabus_id) DO NOTHING",
      soci::use(id);
  long long key = 0;
  session.sql() << "SELECT search_key FROM syllabus_search_keys WHERE syllabus_id = :id",
      soci::into(key), soci::use(id);
  session.sql() << "DELETE FROM syllabus_search WHERE rowid = :key", soci::use(key);
  session.sql() << "INSERT INTO syllabus_search (rowid, title, summary, body, outcomes) "
                   "SELECT :key, r.title, r.summary, r.body, r.outcomes FROM syllabi s "
                   "JOIN syllabus_revisions r ON r.syllabus_id = s.id "
                   "AND r.revision = s.working_revision WHERE s.id = :id",
      soci::use(key, "key"), soci::use(id, "id");
}

// Locks the syllabus's row for the rest of the transaction (PostgreSQL; SQLite's write
// transaction holds the whole database) and reads its identity. nullopt when it is gone.
std::optional<Identity> lock_syllabus(Session& session, const std::string& id) {
  Identity identity;
  std::string sql = "SELECT subject_id, academic_year, term FROM syllabi WHERE id = :id";
  if (session.backend() == Backend::kPostgresql) sql += " FOR UPDATE";
  session.sql() << sql, soci::into(identity.subject_id), soci::into(identity.academic_year),
      soci::into(identity.term), soci::use(id);
  if (!session.sql().got_data()) return std::nullopt;
  return identity;
}

Result<void> record(Session& session, const application::Change& change) {
  return platform::events::append_to_outbox(session, kSyllabusStream, to_event(change));
}

// Writes that free a slot of the store's rules go first, so that one write() may
// supersede the published revision and publish the next (or archive one revision and
// open another) without passing through a state with two of a kind: updates to
// superseded or archived, then to published, then to draft or in review; inserts last.
int write_order(const application::RevisionWrite& write) {
  const int inserted = write.expected_version ? 0 : 3;
  switch (write.revision.status) {
    case domain::Status::kSuperseded:
    case domain::Status::kArchived:
      return inserted + 0;
    case domain::Status::kPublished:
      return inserted + 1;
    case domain::Status::kDraft:
    case domain::Status::kInReview:
      return inserted + 2;
  }
  return inserted + 2;
}

// ---- Reading ------------------------------------------------------------------------------

Result<std::vector<domain::Syllabus>> parse_all(const std::vector<std::string>& documents) {
  std::vector<domain::Syllabus> revisions;
  revisions.reserve(documents.size());
  for (const std::string& document : documents) {
    auto revision = from_document(document);
    if (!revision) return std::move(revision).error();
    revisions.push_back(std::move(revision).value());
  }
  return revisions;
}

// Every document the query (with one text parameter) selects, in its order.
std::vector<std::string> select_documents(Session& session, const std::string& sql,
                                          const std::string& parameter) {
  std::vector<std::string> documents;
  soci::rowset<std::string> rows = (session.sql().prepare << sql, soci::use(parameter));
  for (const std::string& document : rows) documents.push_back(document);
  return documents;
}

Result<domain::Syllabus> select_one(platform::db::Database& database, const std::string& sql,
                                    const std::string& id, std::optional<long long> revision,
                                    const std::string& missing) {
  return database.read<domain::Syllabus>([&](Session& session) -> Result<domain::Syllabus> {
    std::string document;
    long long number = revision.value_or(0);
    if (revision)
      session.sql() << sql, soci::into(document), soci::use(id, "id"),
          soci::use(number, "revision");
    else
      session.sql() << sql, soci::into(document), soci::use(id, "id");
    if (!session.sql().got_data()) return Error::not_found(missing);
    return from_document(document);
  });
}

// ---- Paging -------------------------------------------------------------------------------

// The position after which the next page starts: base64url of "i:<id>" (by id) or
// "r:<rank key>:<id>" (ranked search).
struct Cursor {
  std::optional<long long> rank_key;
  std::string id;

  std::string encode() const {
    if (rank_key)
      return platform::core::base64url_encode("r:" + std::to_string(*rank_key) + ":" + id);
    return platform::core::base64url_encode("i:" + id);
  }

  static Result<Cursor> decode(const std::string& text, bool ranked) {
    const Error bad = Error::malformed("the cursor is not one that this list returned");
    std::optional<std::string> plain = platform::core::base64url_decode(text);
    if (!plain) return bad;
    std::string_view rest = *plain;
    Cursor cursor;
    if (ranked) {
      if (!rest.starts_with("r:")) return bad;
      rest.remove_prefix(2);
      const std::size_t colon = rest.find(':');
      if (colon == std::string_view::npos) return bad;
      cursor.rank_key = platform::core::parse_integer<long long>(rest.substr(0, colon));
      if (!cursor.rank_key) return bad;
      rest.remove_prefix(colon + 1);
    } else {
      if (!rest.starts_with("i:")) return bad;
      rest.remove_prefix(2);
    }
    if (!Uuid::parse(rest)) return bad;
    cursor.id = std::string(rest);
    return cursor;
  }
};

// The words of a search as an FTS5 query: each word a quoted string (quotes doubled), all
// of them required, like PostgreSQL's plainto_tsquery. Empty when there is no word.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string fts5_query(std::string_view text) {
  std::string query;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    if (!query.empty()) query += ' ';
    query += '"';
    while (i < text.size() && !is_space(text[i])) {
      if (text[i] == '"') query += '"';
      query += text[i++];
    }
    query += '"';
  }
  return query;
}

// Ranks as integers that sort best first: SQLite's bm25 is lower for better matches,
// PostgreSQL's ts_rank higher. Weights: title 10, summary 4, outcomes 2, body 1 (FTS5
// columns title, summary, body, outcomes); PostgreSQL's tsvector weights A-D say the same.
constexpr const char* kSqliteRankKey =
    "CAST(round(bm25(syllabus_search, 10.0, 4.0, 1.0, 2.0) * 1000000000000.0) AS INTEGER)";
constexpr const char* kPostgresqlRankKey =
    "-CAST(round(CAST(ts_rank(r.search, q.query) AS numeric) * 1000000000000) AS BIGINT)";

}  // namespace

// ---- Writes -------------------------------------------------------------------------------

Result<void> SqlSyllabusRepository::committed(Result<void> result) const {
  if (result && events_committed_) events_committed_();
  return result;
}

Result<void> SqlSyllabusRepository::create(const domain::Syllabus& first,
                                           const application::Change& change) {
  return committed(database_.transaction<void>(
      [&](Session& session) -> Result<void> { return create_in(session, first, change); }));
}

Result<void> SqlSyllabusRepository::create_in(Session& session, const domain::Syllabus& first,
                                              const application::Change& change) {
  const RevisionRow row = RevisionRow::from(first);
  const Identity identity = Identity::of(first);
  const std::string created_at = platform::core::format_rfc3339(first.created.at);
  auto inserted = guard_unique(
      session,
      [&] {
        session.sql() << "INSERT INTO syllabi (id, subject_id, academic_year, term, "
                         "working_revision, created_at) VALUES (:id, :subject_id, "
                         ":academic_year, :term, :working_revision, :created_at)",
            soci::use(row.syllabus_id), soci::use(identity.subject_id),
            soci::use(identity.academic_year), soci::use(identity.term), soci::use(row.revision),
            soci::use(created_at);
      },
      [&](std::string log) -> Error {
        if (mentions(log, "syllabi_pkey") || mentions(log, "syllabi.id"))
          return {ErrorCode::kAlreadyExists, "syllabus " + row.syllabus_id + " exists already",
                  std::move(log)};
        return identity_taken(identity, std::move(log));
      });
  if (!inserted) return inserted;
  if (auto stored = insert_revision(session, row); !stored) return stored;
  store_attachments(session, row);
  refresh(session, row.syllabus_id);
  return record(session, change);
}

Result<std::vector<platform::core::ImportResult>> SqlSyllabusRepository::import(
    const std::vector<application::ImportedSyllabus>& syllabi,
    const application::EventOrigin& origin) {
  using platform::core::ImportOutcome;
  constexpr std::string_view kKind = "syllabi";
  const auto now = platform::core::now_utc();
  std::vector<platform::core::ImportResult> results;
  bool created_any = false;
  auto imported = database_.transaction<void>([&](Session& session) -> Result<void> {
    results.clear();  // a retried transaction starts over
    created_any = false;
    for (const auto& [legacy_id, syllabus] : syllabi) {
      auto known = platform::db::imported_id(session, kKind, legacy_id);
      if (!known) return known.error();
      if (*known) {
        results.push_back({legacy_id, ImportOutcome::kExisting, **known, ""});
        continue;
      }
      const Identity identity = Identity::of(syllabus);
      std::string holder;
      session.sql() << "SELECT id FROM syllabi WHERE subject_id = :subject_id AND "
                       "academic_year = :academic_year AND term = :term",
          soci::into(holder), soci::use(identity.subject_id), soci::use(identity.academic_year),
          soci::use(identity.term);
      if (session.sql().got_data()) {
        results.push_back({legacy_id, ImportOutcome::kConflict, "",
                           identity_taken(identity, "").detail() + ": syllabus " + holder});
        continue;
      }
      if (auto created = create_in(session, syllabus, {domain::SyllabusCreated{syllabus}, origin});
          !created)
        return created;
      const std::string id = syllabus.id.to_string();
      if (auto noted = platform::db::record_import(session, kKind, legacy_id, id, now); !noted)
        return noted;
      results.push_back({legacy_id, ImportOutcome::kCreated, id, ""});
      created_any = true;
    }
    return platform::core::ok();
  });
  if (!imported) return std::move(imported).error();
  if (created_any && events_committed_) events_committed_();
  return results;
}

Result<void> SqlSyllabusRepository::write(const std::vector<application::RevisionWrite>& writes,
                                          const application::Change& change) {
  return committed(database_.transaction<void>(
      [&](Session& session) -> Result<void> { return write_in(session, writes, change); }));
}

Result<void> SqlSyllabusRepository::write_in(Session& session,
                                             const std::vector<application::RevisionWrite>& writes,
                                             const application::Change& change) {
  std::vector<const application::RevisionWrite*> ordered;
  for (const auto& write : writes) ordered.push_back(&write);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return write_order(*a) < write_order(*b); });
  // The identity each syllabus is left with: that of its last write. Sorted by id, so
  // that two writers of the same syllabi lock them in the same order.
  std::map<std::string, Identity> syllabi;
  for (const auto& write : writes)
    syllabi.insert_or_assign(write.revision.id.to_string(), Identity::of(write.revision));

  {
    for (const auto& [id, identity] : syllabi) {
      std::optional<Identity> stored = lock_syllabus(session, id);
      if (!stored) return syllabus_missing(id);
      if (*stored == identity) continue;
      auto moved = guard_unique(
          session,
          [&] {
            session.sql() << "UPDATE syllabi SET subject_id = :subject_id, "
                             "academic_year = :academic_year, term = :term WHERE id = :id",
                soci::use(identity.subject_id), soci::use(identity.academic_year),
                soci::use(identity.term), soci::use(id);
          },
          [&](std::string log) { return identity_taken(identity, std::move(log)); });
      if (!moved) return moved;
    }
    for (const auto* write : ordered) {
      const RevisionRow row = RevisionRow::from(write->revision);
      auto stored = write->expected_version
                        ? update_revision(session, row, *write->expected_version)
                        : insert_revision(session, row);
      if (!stored) return stored;
      store_attachments(session, row);
    }
    for (const auto& entry : syllabi) refresh(session, entry.first);
    return record(session, change);
  }
}

Result<void> SqlSyllabusRepository::remove(const Uuid& id, std::int64_t expected_version,
                                           const application::Change& change) {
  const std::string id_text = id.to_string();
  const long long expected = expected_version;
  return committed(database_.transaction<void>([&](Session& session) -> Result<void> {
    if (!lock_syllabus(session, id_text)) return syllabus_missing(id_text);
    long long revision = 0, version = 0;
    session.sql() << "SELECT r.revision, r.version FROM syllabi s JOIN syllabus_revisions r "
                     "ON r.syllabus_id = s.id AND r.revision = s.working_revision "
                     "WHERE s.id = :id",
        soci::into(revision), soci::into(version), soci::use(id_text);
    if (!session.sql().got_data())
      return Error::internal("syllabus " + id_text + " has no working revision");
    if (version != expected)
      return Error::version_mismatch("revision " + std::to_string(revision) + " of syllabus " +
                                     id_text + " is at version " + std::to_string(version) +
                                     ", not " + std::to_string(expected));
    if (session.backend() == Backend::kSqlite)
      session.sql() << "DELETE FROM syllabus_search WHERE rowid = "
                       "(SELECT search_key FROM syllabus_search_keys WHERE syllabus_id = :id)",
          soci::use(id_text);
    // Revisions, their attachments and the search key go with it (ON DELETE CASCADE).
    session.sql() << "DELETE FROM syllabi WHERE id = :id", soci::use(id_text);
    return record(session, change);
  }));
}

// ---- Reads --------------------------------------------------------------------------------

Result<domain::Syllabus> SqlSyllabusRepository::working(const Uuid& id) {
  const std::string id_text = id.to_string();
  return select_one(database_,
                    "SELECT r.document FROM syllabi s JOIN syllabus_revisions r "
                    "ON r.syllabus_id = s.id AND r.revision = s.working_revision WHERE s.id = :id",
                    id_text, std::nullopt, "syllabus " + id_text + " does not exist");
}

Result<application::SyllabusRepository::RevisionStamp> SqlSyllabusRepository::working_stamp(
    const Uuid& id) {
  const std::string id_text = id.to_string();
  return database_.read<RevisionStamp>([&](Session& session) -> Result<RevisionStamp> {
    try {
      long long revision = 0;
      long long version = 0;
      session.sql() << "SELECT r.revision, r.version FROM syllabi s JOIN syllabus_revisions r "
                       "ON r.syllabus_id = s.id AND r.revision = s.working_revision "
                       "WHERE s.id = :id",
          soci::into(revision), soci::into(version), soci::use(id_text);
      if (!session.sql().got_data()) return syllabus_missing(id_text);
      return RevisionStamp{revision, version};
    } catch (...) {
      return platform::db::classify_current_exception(session.backend());
    }
  });
}

Result<domain::Syllabus> SqlSyllabusRepository::revision(const Uuid& id, std::int64_t revision) {
  const std::string id_text = id.to_string();
  return select_one(
      database_,
      "SELECT document FROM syllabus_revisions WHERE syllabus_id = :id "
      "AND revision = :revision",
      id_text, revision,
      "revision " + std::to_string(revision) + " of syllabus " + id_text + " does not exist");
}

Result<domain::Syllabus> SqlSyllabusRepository::published(const Uuid& id) {
  const std::string id_text = id.to_string();
  return select_one(database_,
                    "SELECT document FROM syllabus_revisions WHERE syllabus_id = :id "
                    "AND status = 'published'",
                    id_text, std::nullopt, "syllabus " + id_text + " has no published revision");
}

Result<std::vector<domain::Syllabus>> SqlSyllabusRepository::revisions(const Uuid& id) {
  const std::string id_text = id.to_string();
  return database_.read<std::vector<domain::Syllabus>>(
      [&](Session& session) -> Result<std::vector<domain::Syllabus>> {
        auto documents = select_documents(session,
                                          "SELECT document FROM syllabus_revisions "
                                          "WHERE syllabus_id = :id ORDER BY revision",
                                          id_text);
        if (documents.empty()) return syllabus_missing(id_text);
        return parse_all(documents);
      });
}

Result<std::vector<domain::Syllabus>> SqlSyllabusRepository::live_revisions_of_subject(
    const Uuid& subject_id) {
  return database_.read<std::vector<domain::Syllabus>>(
      [&](Session& session) { return subject_revisions_in(session, subject_id); });
}

Result<std::vector<domain::Syllabus>> SqlSyllabusRepository::live_revisions_attaching(
    const Uuid& file_id) {
  return database_.read<std::vector<domain::Syllabus>>(
      [&](Session& session) { return attaching_revisions_in(session, file_id); });
}

Result<std::vector<domain::Syllabus>> SqlSyllabusRepository::subject_revisions_in(
    Session& session, const Uuid& subject_id) {
  return parse_all(
      select_documents(session,
                       std::string("SELECT r.document FROM syllabi s JOIN syllabus_revisions r "
                                   "ON r.syllabus_id = s.id WHERE s.subject_id = :subject_id "
                                   "AND r.status IN ") +
                           kLiveStatuses + " ORDER BY s.id, r.revision",
                       subject_id.to_string()));
}

Result<std::vector<domain::Syllabus>> SqlSyllabusRepository::attaching_revisions_in(
    Session& session, const Uuid& file_id) {
  return parse_all(
      select_documents(session,
                       std::string("SELECT r.document FROM syllabus_attachments a "
                                   "JOIN syllabus_revisions r ON r.syllabus_id = a.syllabus_id "
                                   "AND r.revision = a.revision WHERE a.file_id = :file_id "
                                   "AND r.status IN ") +
                           kLiveStatuses + " ORDER BY a.syllabus_id, a.revision",
                       file_id.to_string()));
}

// ---- Effects of other services' events (inside the consumer's transaction) ----------------

Result<void> SqlSyllabusRepository::subject_deleted(Session& session, const Uuid& subject_id,
                                                    platform::core::Timestamp now) {
  auto revisions = subject_revisions_in(session, subject_id);
  if (!revisions) return std::move(revisions).error();
  for (const domain::Syllabus& revision : *revisions) {
    if (revision.status == domain::Status::kPublished) {
      if (revision.subject_deleted) continue;  // a redelivery
      domain::Syllabus marked = revision;
      marked.subject_deleted = true;
      marked.version += 1;
      marked.updated = {now, kSubjectOwner};
      const domain::SyllabusUpdated event{marked, domain::changed_fields(revision, marked)};
      if (auto stored = write_in(session, {{marked, revision.version}}, {event, {}}); !stored) {
        return stored;
      }
      if (effect_listener_) effect_listener_(revision.id);
      continue;
    }
    // An open revision (draft, in review) of a subject that is gone cannot be finished.
    auto archived = domain::archive(revision, kSubjectOwner, now);
    if (!archived) return std::move(archived).error();
    if (auto stored = write_in(session, {{*archived, revision.version}},
                               {domain::SyllabusArchived{*archived}, {}});
        !stored) {
      return stored;
    }
    if (effect_listener_) effect_listener_(revision.id);
  }
  if (!revisions->empty() && events_committed_) events_committed_();
  return platform::core::ok();
}

Result<void> SqlSyllabusRepository::file_deleted(Session& session, const Uuid& file_id,
                                                 platform::core::Timestamp now) {
  auto revisions = attaching_revisions_in(session, file_id);
  if (!revisions) return std::move(revisions).error();
  for (const domain::Syllabus& revision : *revisions) {
    domain::Syllabus changed = revision;
    if (revision.status == domain::Status::kPublished) {
      // Published revisions are immutable: the attachment stays, flagged as gone.
      if (std::find(revision.flagged_attachments.begin(), revision.flagged_attachments.end(),
                    file_id) != revision.flagged_attachments.end()) {
        continue;
      }
      changed.flagged_attachments.push_back(file_id);
    } else {
      std::erase(changed.attachments, file_id);
    }
    changed.version += 1;
    changed.updated = {now, kFileOwner};
    const domain::SyllabusUpdated event{changed, domain::changed_fields(revision, changed)};
    if (auto stored = write_in(session, {{changed, revision.version}}, {event, {}}); !stored) {
      return stored;
    }
    if (effect_listener_) effect_listener_(revision.id);
  }
  if (!revisions->empty() && events_committed_) events_committed_();
  return platform::core::ok();
}

Result<application::SyllabusPage> SqlSyllabusRepository::list(
    const application::SyllabusFilter& filter) {
  const bool ranked = filter.text.has_value();
  std::optional<Cursor> after;
  if (filter.after) {
    auto decoded = Cursor::decode(*filter.after, ranked);
    if (!decoded) return std::move(decoded).error();
    after = std::move(decoded).value();
  }
  const Backend backend = database_.backend();
  const std::string query = !ranked                       ? std::string()
                            : backend == Backend::kSqlite ? fts5_query(*filter.text)
                                                          : *filter.text;
  // Text without a word matches nothing (as plainto_tsquery says on PostgreSQL).
  if (ranked && query.find_first_not_of(" \t\r\n\f\v") == std::string::npos)
    return application::SyllabusPage{};

  const std::string subject_id = filter.subject_id ? filter.subject_id->to_string() : "";
  const std::string academic_year = filter.academic_year.value_or("");
  const std::string term = filter.term ? std::string(domain::to_string(*filter.term)) : "";
  const std::string status = filter.status ? std::string(domain::to_string(*filter.status)) : "";
  const std::string after_id = after ? after->id : "";
  const long long after_rank = after ? after->rank_key.value_or(0) : 0;
  // One more row than asked tells whether another page follows.
  const int fetch = static_cast<int>(filter.limit) + 1;

  // Every syllabus's working revision that passes the filters (and matches the text),
  // as (document, id, rank_key); then the page after the cursor.
  std::string matches;
  if (!ranked)
    matches = "SELECT r.document AS document, s.id AS id, 0 AS rank_key FROM syllabi s ";
  else if (backend == Backend::kSqlite)
    matches = std::string(
                  "SELECT r.document AS document, s.id AS id, m.rank_key AS rank_key "
                  "FROM (SELECT k.syllabus_id AS syllabus_id, ") +
              kSqliteRankKey +
              " AS rank_key FROM syllabus_search JOIN syllabus_search_keys k "
              "ON k.search_key = syllabus_search.rowid WHERE syllabus_search MATCH :query) m "
              "JOIN syllabi s ON s.id = m.syllabus_id ";
  else
    matches = std::string("SELECT r.document AS document, s.id AS id, ") + kPostgresqlRankKey +
              " AS rank_key FROM plainto_tsquery('english', :query) AS q(query) "
              "CROSS JOIN syllabi s ";
  matches +=
      "JOIN syllabus_revisions r ON r.syllabus_id = s.id AND r.revision = s.working_revision "
      "WHERE 1 = 1";
  if (ranked && backend == Backend::kPostgresql) matches += " AND r.search @@ q.query";
  if (filter.subject_id) matches += " AND s.subject_id = :subject_id";
  if (filter.academic_year) matches += " AND s.academic_year = :academic_year";
  if (filter.term) matches += " AND s.term = :term";
  if (filter.status) matches += " AND r.status = :status";

  std::string sql = "SELECT document, id, rank_key FROM (" + matches + ") page WHERE 1 = 1";
  if (after && ranked)
    sql += " AND (rank_key > :after_rank OR (rank_key = :after_rank_again AND id > :after_id))";
  else if (after)
    sql += " AND id > :after_id";
  sql += ranked ? " ORDER BY rank_key, id" : " ORDER BY id";
  sql += " LIMIT :fetch";

  return database_.read<application::SyllabusPage>(
      [&](Session& session) -> Result<application::SyllabusPage> {
        std::vector<std::string> documents(fetch), ids(fetch);
        std::vector<long long> rank_keys(fetch);
        soci::statement statement(session.sql());
        statement.alloc();
        statement.exchange(soci::into(documents));
        statement.exchange(soci::into(ids));
        statement.exchange(soci::into(rank_keys));
        if (ranked) statement.exchange(soci::use(query, "query"));
        if (filter.subject_id) statement.exchange(soci::use(subject_id, "subject_id"));
        if (filter.academic_year) statement.exchange(soci::use(academic_year, "academic_year"));
        if (filter.term) statement.exchange(soci::use(term, "term"));
        if (filter.status) statement.exchange(soci::use(status, "status"));
        if (after && ranked) {
          statement.exchange(soci::use(after_rank, "after_rank"));
          statement.exchange(soci::use(after_rank, "after_rank_again"));
        }
        if (after) statement.exchange(soci::use(after_id, "after_id"));
        statement.exchange(soci::use(fetch, "fetch"));
        statement.prepare(sql);
        statement.define_and_bind();
        statement.execute(true);

        const std::size_t rows = ids.size();
        const std::size_t shown = std::min<std::size_t>(rows, filter.limit);
        documents.resize(shown);
        auto items = parse_all(documents);
        if (!items) return std::move(items).error();
        application::SyllabusPage page;
        page.items = std::move(items).value();
        if (rows > filter.limit && shown > 0) {
          Cursor next{ranked ? std::optional<long long>(rank_keys[shown - 1]) : std::nullopt,
                      ids[shown - 1]};
          page.next = next.encode();
        }
        return page;
      });
}

}  // namespace syllabus_service::infrastructure
