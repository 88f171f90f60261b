-- Syllabi and their numbered revisions. Ids are UUIDv7 text (creation-ordered, so keyset
-- paging by id follows creation order); times are RFC 3339 UTC text, identical on SQLite
-- and PostgreSQL.

-- One row per syllabus: its identity, unique across syllabi, and which revision is its
-- working one (the open revision, else the published one, else the latest), kept by the
-- repository on every write so that lists join one revision per syllabus.
CREATE TABLE syllabi (
  id               TEXT PRIMARY KEY,
  subject_id       TEXT NOT NULL,
  academic_year    TEXT NOT NULL,
  term             TEXT NOT NULL,
  working_revision BIGINT NOT NULL,
  created_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX syllabi_identity_key ON syllabi (subject_id, academic_year, term);
CREATE INDEX syllabi_year_term_id_idx ON syllabi (academic_year, term, id);

-- Every revision: the whole revision as a JSON document (infrastructure/syllabus_document)
-- plus the columns that queries filter, rank or search on, copied from it on each write.
-- outcomes holds the learning outcomes' codes and statements, one per line.
CREATE TABLE syllabus_revisions (
  syllabus_id TEXT NOT NULL REFERENCES syllabi (id) ON DELETE CASCADE,
  revision    BIGINT NOT NULL,
  status      TEXT NOT NULL
              CHECK (status IN ('draft', 'in_review', 'published', 'superseded', 'archived')),
  version     BIGINT NOT NULL,
  title       TEXT NOT NULL,
  summary     TEXT NOT NULL,
  body        TEXT NOT NULL,
  outcomes    TEXT NOT NULL,
  document    TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (syllabus_id, revision)
);
-- The store's two rules, whatever callers do at once: at most one published revision and
-- at most one open revision (draft or in review) per syllabus.
CREATE UNIQUE INDEX syllabus_revisions_one_published ON syllabus_revisions (syllabus_id)
  WHERE status = 'published';
CREATE UNIQUE INDEX syllabus_revisions_one_open ON syllabus_revisions (syllabus_id)
  WHERE status IN ('draft', 'in_review');

-- The files each revision attaches (the document's attachments), kept in step with it so
-- that "which live revisions attach file F" is an index lookup on both databases.
CREATE TABLE syllabus_attachments (
  syllabus_id TEXT NOT NULL,
  revision    BIGINT NOT NULL,
  file_id     TEXT NOT NULL,
  PRIMARY KEY (syllabus_id, revision, file_id),
  FOREIGN KEY (syllabus_id, revision)
    REFERENCES syllabus_revisions (syllabus_id, revision) ON DELETE CASCADE
);
CREATE INDEX syllabus_attachments_file_idx ON syllabus_attachments (file_id);
