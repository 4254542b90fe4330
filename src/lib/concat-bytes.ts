/**
 * Byte arrays joined into one (a create body read whole, a batch sent whole, a packed line).
 */

/**
 * `parts` copied, in order, into one new array; `size` is their summed length when the caller
 * already knows it.
 *
 * @example
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]) // Uint8Array [1, 2, 3]
 */
export function concatBytes(parts: readonly Uint8Array[], size = parts.reduce((sum, part) => sum + part.byteLength, 0)): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
