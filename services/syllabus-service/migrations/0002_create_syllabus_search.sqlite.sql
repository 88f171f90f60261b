-- Full-text search over each syllabus's working revision (SQLite: FTS5, ranked by bm25).
-- A plain FTS5 table that the repository keeps in step on every write: one row per
-- syllabus, holding its working revision's title, summary, body and learning outcomes.
-- Porter stemming over unicode61 without diacritics ("programs" finds "Programming",
-- "cestina" finds "Čeština").
--
-- An FTS5 row is addressed by an integer rowid; syllabi have text ids and an implicit
-- rowid that VACUUM may renumber, so each syllabus gets a stable search key here.
CREATE TABLE syllabus_search_keys (
  search_key  INTEGER PRIMARY KEY,
  syllabus_id TEXT NOT NULL UNIQUE REFERENCES syllabi (id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE syllabus_search USING fts5(
  title, summary, body, outcomes,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
