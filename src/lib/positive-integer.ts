/**
 * A positive whole-number setting from the environment, one rule for every provider: unset,
 * empty or blank means `fallback`; otherwise the value must be a safe integer of at least 1,
 * or `invalid(raw)` decides (throw a 400, or note the problem and return a value). Each caller
 * words its own message, since the configuration errors name the variable their own way.
 *
 * @example
 * positiveIntegerSetting(env.GEMINI_UPLOAD_CHUNK_BYTES, 8 * 1024 * 1024, (raw) => {
 *   throw GatewayError.invalid(`GEMINI_UPLOAD_CHUNK_BYTES must be a positive whole number of bytes, not ${JSON.stringify(raw)}`);
 * });
 */
export function positiveIntegerSetting(raw: string | undefined, fallback: number, invalid: (raw: string) => number): number {
  const trimmed = raw?.trim();
  if (!trimmed) return fallback;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value >= 1 ? value : invalid(raw as string);
}
