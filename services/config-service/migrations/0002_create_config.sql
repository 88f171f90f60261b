-- Configuration documents: one schema per service, every change of a (service, env)
-- document as a new row, and one version counter per service (+ 1 on any change of any
-- of its environments, in the same transaction as the new row). Times are RFC 3339 UTC
-- text with microseconds; schemas and settings are JSON text.
CREATE TABLE config_schemas (
  service     TEXT PRIMARY KEY,
  schema_json TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE config_services (
  service TEXT PRIMARY KEY,
  version BIGINT NOT NULL
);

CREATE TABLE config_versions (
  service       TEXT NOT NULL,
  env           TEXT NOT NULL,
  version       BIGINT NOT NULL,
  author        TEXT NOT NULL,
  comment       TEXT NOT NULL DEFAULT '',
  created_at    TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  PRIMARY KEY (service, env, version)
);
