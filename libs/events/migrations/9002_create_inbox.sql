-- The inbox (platform::events): event ids a consumer group has handled, written in the
-- same transaction as the handler's effect so that a redelivery changes nothing.
CREATE TABLE inbox (
  consumer_group TEXT NOT NULL,
  event_id TEXT NOT NULL,
  handled_at TEXT NOT NULL,
  PRIMARY KEY (consumer_group, event_id)
);
