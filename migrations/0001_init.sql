-- Gateway records. IDs are the gateway's own (time-sortable), owners are tenants,
-- native_* columns are what the provider calls the same thing.

CREATE TABLE files (
  id            TEXT PRIMARY KEY,
  owner         TEXT NOT NULL,
  provider      TEXT NOT NULL,
  -- creating: written before the upload starts; ready: usable; deleting: delete under way
  state         TEXT NOT NULL DEFAULT 'creating',
  native_id     TEXT,
  filename      TEXT NOT NULL,
  mime_type     TEXT NOT NULL,
  size_bytes    INTEGER NOT NULL DEFAULT 0,
  downloadable  INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL,
  expires_at    TEXT,
  -- adapter data (e.g. Gemini's file URI and state), JSON
  native        TEXT NOT NULL DEFAULT '{}',
  -- set for files a batch produced upstream (OpenAI output and error files)
  batch_id      TEXT,
  updated_at    TEXT NOT NULL
);
CREATE INDEX files_by_owner ON files (owner, id);
CREATE INDEX files_by_owner_provider ON files (owner, provider, id);
CREATE INDEX files_by_batch ON files (batch_id);

CREATE TABLE batches (
  id                   TEXT PRIMARY KEY,
  owner                TEXT NOT NULL,
  provider             TEXT NOT NULL,
  -- creating | in_progress | canceling | ended | failed (creation rolled back)
  state                TEXT NOT NULL DEFAULT 'creating',
  request_count        INTEGER NOT NULL DEFAULT 0,
  processing           INTEGER NOT NULL DEFAULT 0,
  succeeded            INTEGER NOT NULL DEFAULT 0,
  errored              INTEGER NOT NULL DEFAULT 0,
  canceled             INTEGER NOT NULL DEFAULT 0,
  expired              INTEGER NOT NULL DEFAULT 0,
  created_at           TEXT NOT NULL,
  expires_at           TEXT NOT NULL,
  ended_at             TEXT,
  cancel_initiated_at  TEXT,
  archived_at          TEXT,
  idempotency_key      TEXT,
  updated_at           TEXT NOT NULL
);
CREATE INDEX batches_by_owner ON batches (owner, id);
CREATE INDEX batches_by_owner_provider ON batches (owner, provider, id);
CREATE UNIQUE INDEX batches_by_idempotency_key ON batches (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The upstream jobs of a batch (one or more per batch).
CREATE TABLE batch_jobs (
  batch_id       TEXT NOT NULL,
  seq            INTEGER NOT NULL,
  slot           TEXT NOT NULL,
  native_id      TEXT NOT NULL,
  model          TEXT,
  request_count  INTEGER NOT NULL,
  -- in_progress | canceling | ended
  state          TEXT NOT NULL DEFAULT 'in_progress',
  processing     INTEGER NOT NULL DEFAULT 0,
  succeeded      INTEGER NOT NULL DEFAULT 0,
  errored        INTEGER NOT NULL DEFAULT 0,
  canceled       INTEGER NOT NULL DEFAULT 0,
  expired        INTEGER NOT NULL DEFAULT 0,
  ended_at       TEXT,
  data           TEXT NOT NULL DEFAULT '{}',
  -- JSON of the result for requests the job never ran, when not canceled/expired
  unrun          TEXT,
  PRIMARY KEY (batch_id, seq)
);

-- Everything created upstream for a batch, recorded the moment it exists, so that
-- deleting the batch or rolling back its creation leaves nothing behind.
CREATE TABLE batch_artifacts (
  batch_id   TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  native_id  TEXT NOT NULL,
  data       TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (batch_id, seq)
);

-- The custom_ids of each slot, newline-joined in chunks, so that results can name every
-- request exactly once even when the provider never ran it.
CREATE TABLE batch_custom_ids (
  batch_id  TEXT NOT NULL,
  slot      TEXT NOT NULL,
  seq       INTEGER NOT NULL,
  ids       TEXT NOT NULL,
  PRIMARY KEY (batch_id, slot, seq)
);
