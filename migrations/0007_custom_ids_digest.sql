-- The digest of a batch's submitted custom_ids (src/lib/set-digest.ts), written when it is
-- created: the results' exactly-once check compares it with the custom_ids the results held,
-- and reads the custom_id lists back from R2 only when they differ. NULL for older batches.
ALTER TABLE batches ADD COLUMN custom_ids_digest TEXT;
