-- Handler attempts per consumer group and event (platform::events): the consumer's own
-- count of failed (or started and never finished) attempts, which decides when an event
-- goes to the dead-letter stream. A row lives only while an event is being retried.
CREATE TABLE event_attempts (
  consumer_group TEXT NOT NULL,
  event_id TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (consumer_group, event_id)
);
