-- File metadata. Ids are UUIDv7 text; times are RFC 3339 UTC text with microseconds,
-- identical on SQLite and PostgreSQL (as in subject-service). The bytes themselves live
-- in the storage backend under storage_key.
CREATE TABLE files (
  id           TEXT PRIMARY KEY,
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  -- BIGINT is signed on both backends: the repository refuses sizes above INT64_MAX.
  size         BIGINT NOT NULL CHECK (size >= 0),
  sha256       TEXT NOT NULL,
  storage_key  TEXT NOT NULL,
  uploaded_by  TEXT NOT NULL,
  created_at   TEXT NOT NULL
);

-- One metadata row per stored object: two rows sharing a key would let deleting one
-- remove the other's bytes. Also serves orphan collection's "which keys are referenced".
CREATE UNIQUE INDEX files_storage_key_key ON files (storage_key);
