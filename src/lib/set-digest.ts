/**
 * An order-independent digest of a set of strings: how many, and two 32-bit sums of a 64-bit
 * hash of each. The hash walks the string in two multiply lanes, then mixes each lane with the
 * other (the shape of the public-domain cyrb53; both lanes are kept whole). Two digests of one
 * set are equal in any order. Sets that differ would share one about once in 2^64 were the hash
 * ideal; the test swaps one of 1,000 IDs 100,000 ways and finds no two digests alike (about
 * 5·10^9 pairs: test/unit/lib/set-digest.test.ts). Not a defence against strings chosen to
 * collide: it answers "did these come back?", not "can someone fake this?".
 *
 * @example
 * const digest = new SetDigest();
 * digest.add("request-1");
 * digest.add("request-2");
 * digest.toString(); // "2.…" — the same after adding them the other way round
 */
export class SetDigest {
  private sums = [0, 0, 0];

  add(item: string): void {
    let first = 0xdeadbeef;
    let second = 0x41c6ce57;
    for (let index = 0; index < item.length; index++) {
      const code = item.charCodeAt(index);
      first = Math.imul(first ^ code, 2654435761);
      second = Math.imul(second ^ code, 1597334677);
    }
    first = Math.imul(first ^ (first >>> 16), 2246822507) ^ Math.imul(second ^ (second >>> 13), 3266489909);
    second = Math.imul(second ^ (second >>> 16), 2246822507) ^ Math.imul(first ^ (first >>> 13), 3266489909);
    const sums = this.sums;
    sums[0]!++;
    sums[1] = (sums[1]! + first) >>> 0;
    sums[2] = (sums[2]! + second) >>> 0;
  }

  toString(): string {
    return this.sums.join(".");
  }
}
