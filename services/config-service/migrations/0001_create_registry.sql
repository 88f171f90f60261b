-- The registry: live instances and one version counter for the whole registry.
-- Lease ends are microseconds since the Unix epoch (compared by the sweeper); other
-- times are RFC 3339 UTC text with microseconds, identical on SQLite and PostgreSQL.
CREATE TABLE registry_instances (
  instance_id      TEXT PRIMARY KEY,
  service          TEXT NOT NULL,
  url              TEXT NOT NULL,
  version          TEXT NOT NULL DEFAULT '',
  colour           TEXT NOT NULL DEFAULT '',
  zone             TEXT NOT NULL DEFAULT '',
  metadata         TEXT NOT NULL DEFAULT '{}',
  ttl_seconds      INTEGER NOT NULL,
  registered_at    TEXT NOT NULL,
  lease_expires_us BIGINT NOT NULL
);

CREATE INDEX registry_instances_service_idx ON registry_instances (service, instance_id);
CREATE INDEX registry_instances_lease_idx ON registry_instances (lease_expires_us);

-- One row: + 1 in the same transaction as every change of membership, so that a
-- watcher's `after` stays meaningful across restarts.
CREATE TABLE registry_state (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  version  BIGINT NOT NULL
);

INSERT INTO registry_state (id, version) VALUES (1, 0);
