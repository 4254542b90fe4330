/**
 * The batches service, one file per operation: create and rollback (batch-create.ts), read
 * and refresh (batch-refresh.ts: also the ended batch whose results may be read), cancel and delete (batch-cancel.ts), results
 * (batch-results.ts). Core modules and tests import them from here; outside core, the
 * services object (src/core/services.ts) is the only door.
 */
export { createBatch, rollBack, type BatchSource, type CreateOptions } from "./batch-create";
export { advanceBatch, endedBatch, getBatch, VAULT_INLINE_MAX_REQUESTS } from "./batch-refresh";
export { cancelBatch, deleteBatch } from "./batch-cancel";
export { batchResults, resultsBody, vaultedResults } from "./batch-results";
