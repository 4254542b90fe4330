/**
 * Native IDs never reach a client, not even inside a provider's error message ("No such File
 * object: file-abc"): they are replaced by the gateway IDs they stand for.
 */
import { GatewayError } from "../lib/errors";

/** Pairs of [native ID, gateway ID]. */
export type IdPairs = readonly (readonly [string, string])[];

/**
 * Runs `work`; an upstream error it throws names gateway IDs instead of native ones.
 *
 * @example
 * await inGatewayTerms([[file.nativeId, file.id]], () => adapter.files.delete(ctx, file));
 */
export async function inGatewayTerms<T>(pairs: IdPairs, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw inGatewayTermsError(error, pairs);
  }
}

/**
 * The same error, naming gateway IDs instead of native ones.
 *
 * @example
 * catch (error) { throw inGatewayTermsError(error, pairs); }
 */
export function inGatewayTermsError(error: unknown, pairs: IdPairs): unknown {
  if (!(error instanceof GatewayError)) return error;
  let message = error.message;
  for (const [native, gateway] of pairs) {
    if (native) message = message.replaceAll(native, gateway);
  }
  if (message === error.message) return error;
  return new GatewayError(error.status, error.type, message);
}
