/**
 * Dashboard sessions. Signing in with the admin token or an API key opens a session: a random
 * 256-bit ID that only the browser's cookie holds; the server keeps, under the ID's SHA-256
 * in KV, who signed in and the session's CSRF token, until it expires. The record holds no
 * secret either: a virtual key is remembered by its hash (the one D1 keeps), the admin token
 * by its hash. Every request checks again that the key is still active, or that the admin
 * token has not changed, so a revoked key or a rotated token ends its sessions at once.
 * Sign-out deletes the record: at once here, within about a minute at other Cloudflare
 * locations (see docs/sources/dashboard.md § KV propagation).
 */
import { GatewayError } from "../lib/errors";
import { randomToken, secretsEqual, sha256Hex } from "../lib/crypto";
import type { KeyStore } from "../store/keys";
import { adminToken, closedGateway } from "./admin-token";
import { identify, SHARED_OWNER, type Caller, type KeyCache } from "./keys";

/** How long a session lasts from sign-in (no sliding: sign in again after it). */
export const SESSION_SECONDS = 8 * 60 * 60;
const PREFIX = "dashboard-session:";

/** Who signed in: the operator (every owner's objects), a virtual key, or anyone on an open gateway. */
export type SessionRole = { kind: "admin"; tokenHash: string } | { kind: "key"; keyHash: string } | { kind: "shared" };

interface StoredSession {
  role: SessionRole;
  csrf: string;
  expiresAt: number;
}

/** A signed-in dashboard user, as the pages see them. */
export interface Viewer {
  kind: "admin" | "key" | "shared";
  /** The owner whose objects this viewer sees; null for the admin, who sees every owner's. */
  owner: string | null;
  /** The API caller this viewer stands for (the admin has none). */
  caller: Caller | null;
  /** What the header shows: the key's name, "admin", or "open gateway". */
  label: string;
  /** The session's CSRF token, for the forms of its pages. */
  csrf: string;
}

export interface SessionDeps {
  /** The virtual keys (the services object passes its own store). */
  keys: KeyStore;
  /** The KV namespace that holds sessions (the AUTH_CACHE binding). */
  kv: KeyCache | null;
  env: Record<string, unknown>;
}

/**
 * Checks `presented` (the admin token, or a key the API would accept) and opens a session.
 * Returns the ID to put in the cookie. Anything the API would refuse is a 401.
 *
 * @example
 * const { id } = await openSession({ keys: gateway.keys, kv: env.AUTH_CACHE, env }, "bbk_…");
 */
export async function openSession(deps: SessionDeps, presented: string): Promise<{ id: string; viewer: Viewer }> {
  const kv = requireKv(deps);
  const role = await roleOf(deps, presented.trim());
  const id = randomToken("", 44);
  const stored: StoredSession = { role, csrf: randomToken("", 44), expiresAt: Date.now() + SESSION_SECONDS * 1000 };
  await kv.put(await keyOf(id), JSON.stringify(stored), { expirationTtl: SESSION_SECONDS });
  const viewer = await viewerOf(deps, stored);
  if (!viewer) throw new GatewayError(401, "authentication_error", "This key cannot sign in.");
  return { id, viewer };
}

/**
 * The viewer of a session ID, or null when the session is unknown, expired, or its key has
 * been revoked (or the admin token changed) since.
 *
 * @example
 * const viewer = await resumeSession(deps, cookieValue);
 */
export async function resumeSession(deps: SessionDeps, id: string): Promise<Viewer | null> {
  if (!deps.kv || !/^[1-9A-HJ-NP-Za-km-z]{44}$/.test(id)) return null;
  const raw = await deps.kv.get(await keyOf(id));
  if (raw === null) return null;
  const stored = JSON.parse(raw) as StoredSession;
  if (stored.expiresAt <= Date.now()) return null;
  return viewerOf(deps, stored);
}

/**
 * Ends a session (KV deletes reach other locations within a minute; this one at once).
 *
 * @example
 * await closeSession(deps, cookieValue);
 */
export async function closeSession(deps: SessionDeps, id: string): Promise<void> {
  if (!deps.kv || !/^[1-9A-HJ-NP-Za-km-z]{44}$/.test(id)) return;
  await deps.kv.delete(await keyOf(id));
}

/**
 * Whether a form's CSRF token is the session's (compared in constant time).
 *
 * @example
 * if (!(await csrfMatches(viewer, form.csrf))) throw …
 */
export async function csrfMatches(viewer: Viewer, presented: unknown): Promise<boolean> {
  return typeof presented === "string" && presented.length > 0 && (await secretsEqual(presented, viewer.csrf));
}

async function roleOf(deps: SessionDeps, presented: string): Promise<SessionRole> {
  if (!presented) throw new GatewayError(401, "authentication_error", "Enter the admin token or an API key.");
  const token = adminTokenOf(deps.env);
  if (token !== null && (await secretsEqual(presented, token))) return { kind: "admin", tokenHash: await sha256Hex(token) };
  // The API's own identification: the same keys get in, and each sees what the API shows it.
  const caller = await identify(deps.keys, deps.kv, presented, closedGateway(deps.env));
  return caller.key ? { kind: "key", keyHash: await sha256Hex(presented) } : { kind: "shared" };
}

async function viewerOf(deps: SessionDeps, stored: StoredSession): Promise<Viewer | null> {
  const { role, csrf } = stored;
  if (role.kind === "admin") {
    const token = adminTokenOf(deps.env);
    if (token === null || (await sha256Hex(token)) !== role.tokenHash) return null;
    return { kind: "admin", owner: null, caller: null, label: "admin", csrf };
  }
  if (role.kind === "key") {
    const key = await deps.keys.findActive(role.keyHash);
    if (!key) return null;
    return { kind: "key", owner: key.id, caller: { owner: key.id, key }, label: key.name, csrf };
  }
  // A shared session lasts while the gateway is open (no ADMIN_TOKEN), as the API's shared owner does.
  if (closedGateway(deps.env)) return null;
  return { kind: "shared", owner: SHARED_OWNER, caller: { owner: SHARED_OWNER, key: null }, label: "open gateway", csrf };
}

/** The admin token, when it may authorize anything (set, and not too short to be guessed). */
function adminTokenOf(env: Record<string, unknown>): string | null {
  const token = adminToken(env);
  return token.state === "ok" ? token.token : null;
}

function requireKv(deps: SessionDeps): KeyCache {
  if (!deps.kv) throw new GatewayError(500, "api_error", "The dashboard needs the AUTH_CACHE KV binding to keep sessions.");
  return deps.kv;
}

async function keyOf(id: string): Promise<string> {
  return PREFIX + (await sha256Hex(id));
}
