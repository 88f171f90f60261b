-- The import ledger (platform::db::ImportLedger): each row a bulk import from a legacy
-- system created, by kind ("subjects", "files", "syllabi") and legacy id, with the id it
-- became. Written in the import's own transaction, so a row is imported exactly once
-- however often an interrupted migration is run again (docs/migration.md).
CREATE TABLE legacy_imports (
  kind        TEXT NOT NULL,
  legacy_id   TEXT NOT NULL,
  id          TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  PRIMARY KEY (kind, legacy_id)
);
