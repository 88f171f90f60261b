-- Subjects. Ids are UUIDv7 text (creation-ordered, so keyset paging by id follows
-- creation order); times are RFC 3339 UTC text with microseconds, identical on
-- SQLite and PostgreSQL.
CREATE TABLE subjects (
  id          TEXT PRIMARY KEY,
  code        TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  credits     INTEGER NOT NULL DEFAULT 0 CHECK (credits BETWEEN 0 AND 60),
  department  TEXT NOT NULL DEFAULT '',
  version     BIGINT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE UNIQUE INDEX subjects_code_key ON subjects (code);
CREATE INDEX subjects_department_id_idx ON subjects (department, id);
