-- Virtual keys: stored as SHA-256 hashes, never in the clear. A key's ID is the owner of
-- everything it creates.
CREATE TABLE virtual_keys (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  key_hash    TEXT NOT NULL UNIQUE,
  -- JSON arrays, or NULL for "any"
  providers   TEXT,
  models      TEXT,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);
