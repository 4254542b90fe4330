/**
 * Calls to the Gemini API: the key goes in the `x-goog-api-key` header, never in `?key=`
 * (URLs end up in logs), and every failure becomes an `UpstreamError` naming gemini.
 */
import { UpstreamError } from "../../lib/errors";
import { scrubSecrets } from "../../lib/scrub-secrets";
import { readUpstreamJson, upstreamFetch } from "../../lib/upstream";
import type { ProviderContext } from "../types";
import { readConfig, type GeminiConfig } from "./config";
import { readGoogleError } from "./google-error";

/** The provider name every Gemini error carries. */
export const PROVIDER = "gemini";

/** A configured connection to the Gemini API for one call of the adapter. */
export interface GeminiClient {
  config: GeminiConfig;
  /** Calls `path` (starting with `/`, e.g. `/v1beta/files/abc`) or an absolute URL. */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  /** `fetch`, then the body parsed as JSON. */
  json<T>(pathOrUrl: string, init?: RequestInit): Promise<T>;
}

/**
 * The client for one adapter call, from the context's environment and `fetch`.
 *
 * @example
 * const gemini = geminiClient(ctx);
 * const file = await gemini.json<GeminiFile>("/v1beta/files/abc");
 */
export function geminiClient(ctx: ProviderContext): GeminiClient {
  const config = readConfig(ctx.env);
  const call = async (pathOrUrl: string, init: RequestInit = {}): Promise<Response> => {
    const url = pathOrUrl.startsWith("/") ? `${config.baseUrl}${pathOrUrl}` : pathOrUrl;
    const headers = new Headers(init.headers);
    headers.set("x-goog-api-key", config.apiKey);
    let facts: ReturnType<typeof readGoogleError> = {};
    try {
      return await upstreamFetch(PROVIDER, ctx.fetch, url, { ...init, headers }, (body) => {
        facts = readGoogleError(body);
        return facts.message;
      }, [config.apiKey]);
    } catch (error) {
      // Google answers a wrong key with 400 INVALID_ARGUMENT; Anthropic calls that a 401.
      if (error instanceof UpstreamError && facts.reason === "API_KEY_INVALID") {
        throw new UpstreamError(PROVIDER, 401, facts.message ? scrubSecrets(facts.message, [config.apiKey]) : "API key not valid");
      }
      throw error;
    }
  };
  return {
    config,
    fetch: call,
    async json<T>(pathOrUrl: string, init?: RequestInit): Promise<T> {
      return readUpstreamJson<T>(PROVIDER, await call(pathOrUrl, init));
    },
  };
}

/**
 * `true` when an error means the resource is gone. Gemini answers a missing or expired file
 * with 403 "You do not have permission to access the File … or it may not exist."
 * (google-gemini/deprecated-generative-ai-js#236, googleapis/python-genai#1218), other
 * resources with 404.
 *
 * @example
 * try { await gemini.fetch(path, { method: "DELETE" }); } catch (e) { if (!isGone(e)) throw e; }
 */
export function isGone(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.upstreamStatus === 404) return true;
  return error.upstreamStatus === 403 && /may not exist/i.test(error.message);
}

/**
 * The path of a resource name (`files/abc`, `batches/xyz`), each segment escaped.
 *
 * @example
 * resourcePath("files/abc") // "/v1beta/files/abc"
 */
export function resourcePath(name: string, suffix = ""): string {
  return `/v1beta/${name.split("/").map(encodeURIComponent).join("/")}${suffix}`;
}
