-- Security (issue 11): limits per virtual key, the body an Idempotency-Key was first used
-- with, and the files each batch refers to.

-- Per-key limits; NULL means no limit. requests_per_minute is one of the tiers that
-- wrangler.toml declares as rate limiting bindings (see README § Security).
-- monthly_budget_usd is stored and shown; it is not enforced yet.
ALTER TABLE virtual_keys ADD COLUMN requests_per_minute INTEGER;
ALTER TABLE virtual_keys ADD COLUMN max_batches_in_progress INTEGER;
ALTER TABLE virtual_keys ADD COLUMN monthly_budget_usd REAL;

-- SHA-256 (hex) of the create body, so that a replay with another body is a 409.
-- NULL for batches created before this migration: their replays are answered as before.
ALTER TABLE batches ADD COLUMN idempotency_body_sha256 TEXT;

-- Batches not ended, per owner: counted against max_batches_in_progress at every create.
CREATE INDEX batches_unended_by_owner ON batches (owner, id) WHERE state IN ('creating', 'in_progress', 'canceling');

-- The gateway files a batch's requests name, each once per batch, so that a file a
-- running batch still needs cannot be deleted, and results can name it by its gateway ID.
CREATE TABLE batch_file_refs (
  batch_id  TEXT NOT NULL,
  file_id   TEXT NOT NULL,
  PRIMARY KEY (batch_id, file_id)
);
CREATE INDEX batch_file_refs_by_file ON batch_file_refs (file_id);
