-- A batch's output file is registered once, even when two refreshes of the batch race.
DROP INDEX IF EXISTS files_by_batch;
CREATE UNIQUE INDEX files_by_batch_native ON files (batch_id, native_id) WHERE batch_id IS NOT NULL;
