-- Signed webhooks (Standard Webhooks): where each batch's results_url points when no request
-- is there to take it from, each virtual key's own destination, and every event and delivery.

-- The origin (scheme://host) a batch was created through; NULL for batches created before.
ALTER TABLE batches ADD COLUMN origin TEXT;

-- A key's webhook destination and its signing secret, sealed (AES-GCM, see src/core/webhook-secrets.ts).
ALTER TABLE virtual_keys ADD COLUMN webhook_url TEXT;
ALTER TABLE virtual_keys ADD COLUMN webhook_secret_sealed TEXT;

-- One row per event: its webhook-id and the exact body every attempt sends. The unique index
-- is the guard that makes a batch's end an event once, however many refreshes see it end.
CREATE TABLE webhook_events (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  batch_id    TEXT NOT NULL,
  owner       TEXT NOT NULL,
  payload     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX webhook_events_once ON webhook_events (batch_id, type);

-- One row per event and destination ('gateway' for WEBHOOK_URL, else a virtual key's ID).
CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  event_id         TEXT NOT NULL,
  destination      TEXT NOT NULL,
  -- pending | delivered | failed
  state            TEXT NOT NULL DEFAULT 'pending',
  -- the URL of the last attempt (the destination's URL when the event was created, until then)
  url              TEXT NOT NULL,
  tries            INTEGER NOT NULL DEFAULT 0,
  last_status      INTEGER,
  last_error       TEXT,
  last_attempt_at  TEXT,
  next_attempt_at  TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (event_id, destination);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (updated_at);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
