-- Batches that finish on their own: background polls, the results vault, usage per model.

-- When the gateway last polled a batch upstream, the interval it waits now, and the poll it
-- expects next (a queued poll that does not match is stale and dropped).
ALTER TABLE batches ADD COLUMN polled_at TEXT;
ALTER TABLE batches ADD COLUMN poll_interval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN next_poll_at TEXT;
-- state `vaulting`: every job has ended, results are being written to R2; the batch reads
-- `ended` only once they are. The lease keeps two workers from vaulting one batch at once.
ALTER TABLE batches ADD COLUMN vault_lease_until TEXT;
-- Bytes of the vaulted results object (NULL: not vaulted), and when retention removed it.
ALTER TABLE batches ADD COLUMN results_bytes INTEGER;
ALTER TABLE batches ADD COLUMN results_purged_at TEXT;
CREATE INDEX batches_by_state ON batches (state, polled_at);
CREATE INDEX batches_by_ended ON batches (ended_at) WHERE state = 'ended';

-- Usage of one batch per model (the name the client sent): a few rows per batch.
CREATE TABLE batch_usage (
  batch_id                     TEXT NOT NULL,
  provider                     TEXT NOT NULL,
  model                        TEXT NOT NULL,
  requests                     INTEGER NOT NULL DEFAULT 0,
  input_tokens                 INTEGER NOT NULL DEFAULT 0,
  output_tokens                INTEGER NOT NULL DEFAULT 0,
  cache_creation_input_tokens  INTEGER NOT NULL DEFAULT 0,
  cache_read_input_tokens      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (batch_id, model)
);

-- The custom_id lists live in R2 now (nothing proportional to a batch's size stays in D1).
DROP TABLE batch_custom_ids;
