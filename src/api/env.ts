/** The Worker's bindings and the per-request values the middleware sets. */
import type { JobMessage } from "../core/queue-messages";
import type { Caller } from "../core/keys";
import type { Services } from "../core/services";
import type { ProviderName } from "../domain/provider-name";

export interface Bindings {
  DB: D1Database;
  /** The results vault. */
  RESULTS: R2Bucket;
  /** Background work (producer; this Worker is also the consumer). */
  JOBS: Queue<JobMessage>;
  [name: string]: unknown;
}

export interface Variables {
  /** Who is asking: every record belongs to an owner. */
  owner: string;
  caller: Caller;
  /** `x-model-provider`, or null when the client did not send it. */
  provider: ProviderName | null;
  /** The only door to the gateway's state (src/core/services.ts). */
  services: Services;
  requestId: string;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
