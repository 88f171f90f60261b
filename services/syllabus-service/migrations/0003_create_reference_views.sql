-- The read model of other services' resources that syllabi refer to, fed by their
-- events (events.subject, events.file) and by backfills: an upsert or a deletion applies
-- only when its version is newer than the row's, and a deletion leaves a tombstone
-- (deleted = 1) so that a late update cannot bring it back (platform/events/read_model.h).
CREATE TABLE subject_views (
  id         TEXT PRIMARY KEY,
  code       TEXT,
  name       TEXT,
  credits    BIGINT,
  department TEXT,
  version    BIGINT NOT NULL,
  deleted    INTEGER NOT NULL DEFAULT 0
);

-- Files never change; their version is 1 once uploaded and 2 once deleted.
CREATE TABLE file_views (
  id           TEXT PRIMARY KEY,
  filename     TEXT,
  content_type TEXT,
  size         BIGINT,
  sha256       TEXT,
  version      BIGINT NOT NULL,
  deleted      INTEGER NOT NULL DEFAULT 0
);

-- The last event applied from each stream, for GET /admin/read-model.
CREATE TABLE read_model_streams (
  stream          TEXT PRIMARY KEY,
  last_event_id   TEXT NOT NULL,
  last_event_type TEXT NOT NULL,
  last_event_time TEXT NOT NULL,
  applied_at      TEXT NOT NULL,
  applied_total   BIGINT NOT NULL DEFAULT 0
);
