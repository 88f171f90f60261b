-- What the read model knows about itself. ("backfill", "done") once a backfill from the
-- owning services has completed: a model that only events filled (their first ones can
-- arrive before the backfill looks) or whose backfill stopped half-way has no such row,
-- and is backfilled at the next start. Versions decide between a backfill's rows and the
-- events', so a backfill run again changes nothing that is newer.
CREATE TABLE read_model_state (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
