/**
 * A shortcut between the producer of a byte stream and a consumer that writes it on into a
 * runtime-native stream. An uploaded file (src/lib/multipart-upload.ts) reaches the upstream
 * multipart body (src/lib/multipart.ts) through a stream of its own; every piece then costs one
 * more write and one more read in the runtime. When the consumer is about to copy the whole
 * stream into a writer, it may take the stream's producer instead, which then writes into that
 * writer directly. The stream itself stays a plain ReadableStream for every other consumer.
 */

/** Writes the rest of a stream's bytes into `writer` (not closing it); rejects as the stream would fail. */
export type DirectWrite = (writer: WritableStreamDefaultWriter<Uint8Array>) => Promise<void>;

const offers = new WeakMap<ReadableStream<Uint8Array>, DirectWrite>();

/**
 * Offers `stream`'s bytes to a consumer that takes them with `takeDirect`.
 *
 * @example
 * offerDirect(readable, (writer) => writeRestInto(writer));
 */
export function offerDirect(stream: ReadableStream<Uint8Array>, write: DirectWrite): void {
  offers.set(stream, write);
}

/**
 * Whether `stream`'s bytes can be taken with `takeDirect` (it is offered and nobody reads it).
 *
 * @example
 * if (canTakeDirect(field.body)) useNativeBody();
 */
export function canTakeDirect(stream: ReadableStream<Uint8Array>): boolean {
  return offers.has(stream) && !stream.locked;
}

/**
 * Takes `stream`'s producer, once: the returned function writes the stream's bytes into a
 * writer. Null when the stream was not offered, is already taken or is being read.
 *
 * @example
 * const write = takeDirect(field.body);
 * if (write) await write(writer);
 */
export function takeDirect(stream: ReadableStream<Uint8Array>): DirectWrite | null {
  const write = offers.get(stream);
  if (!write || stream.locked) return null;
  offers.delete(stream);
  return write;
}
