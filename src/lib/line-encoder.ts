/**
 * UTF-8 encoding of many small texts (a batch's translated lines) into views of shared slabs:
 * one ArrayBuffer per 256 KiB instead of one per line. A 100,000-request create encodes
 * 100,000 lines; a fresh buffer for each (what `TextEncoder.encode` makes) cost allocation and
 * collection time in its CPU profile. A slab is never written twice, so every view returned
 * stays as it was; a slab is freed once no line in it is held any more.
 */
const SLAB_BYTES = 256 * 1024;
/** Texts that may need more than this are encoded alone (a slab holds many lines, not one). */
const ALONE_BYTES = SLAB_BYTES / 8;

const encoder = new TextEncoder();
let slab = new Uint8Array(0);
let used = 0;

/**
 * `text` as UTF-8, like `new TextEncoder().encode(text)` (a view into a shared slab).
 *
 * @example
 * encodeLine('{"a":1}\n') // Uint8Array(8) [123, 34, 97, 34, 58, 49, 125, 10]
 */
export function encodeLine(text: string): Uint8Array {
  // A UTF-16 unit never takes more than 3 bytes of UTF-8.
  const most = text.length * 3;
  if (most > ALONE_BYTES) return encoder.encode(text);
  if (slab.byteLength - used < most) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const { written } = encoder.encodeInto(text, slab.subarray(used));
  const bytes = slab.subarray(used, used + written);
  used += written;
  return bytes;
}
