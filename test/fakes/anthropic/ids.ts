/**
 * IDs shaped like Anthropic's (`file_011CNha8iCJcU1wXNR6q4V8w`, `msgbatch_013Zva2CMHLNnXjNJJKqJ2EF`):
 * a prefix, `01`, then 22 base-58 characters. The fake counts instead of drawing random bits,
 * so IDs are deterministic (tests assert them exactly) and sort in creation order.
 */
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export interface IdSource {
  next(prefix: string): string;
  reset(): void;
}

/**
 * @example
 * const ids = createIds();
 * ids.next("file")     // "file_011111111111111111111112"
 * ids.next("msgbatch") // "msgbatch_011111111111111111111113"
 */
export function createIds(): IdSource {
  let counter = 0;
  return {
    next(prefix) {
      counter += 1;
      let digits = "";
      for (let rest = counter; rest > 0; rest = Math.floor(rest / 58)) digits = BASE58[rest % 58] + digits;
      return `${prefix}_01${digits.padStart(22, BASE58[0])}`;
    },
    reset() {
      counter = 0;
    },
  };
}
