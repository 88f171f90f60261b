-- Full-text search over syllabus revisions (PostgreSQL: a tsvector, ranked by ts_rank).
-- A generated column per revision, weighted title A, summary B, learning outcomes C,
-- body D, with the 'english' configuration (stemming, stop words); lists search the
-- working revision of each syllabus through the GIN index.
ALTER TABLE syllabus_revisions ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', title), 'A') ||
  setweight(to_tsvector('english', summary), 'B') ||
  setweight(to_tsvector('english', outcomes), 'C') ||
  setweight(to_tsvector('english', body), 'D')
) STORED;
CREATE INDEX syllabus_revisions_search_idx ON syllabus_revisions USING GIN (search);
