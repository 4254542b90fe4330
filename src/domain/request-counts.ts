/**
 * A MessageBatch's `request_counts`: how many requests are in each state.
 *
 * @example
 * const counts: RequestCounts = { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
 */
export interface RequestCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}
