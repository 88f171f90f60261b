-- Which outbox relay publishes a stream (platform::events): one holder at a time, for a
-- short lease renewed while it publishes, so that several replicas publish each row once
-- and in order without holding a transaction across a call to Redis.
CREATE TABLE outbox_relay_leases (
  stream TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL  -- milliseconds since the Unix epoch, by the database's clock
);
