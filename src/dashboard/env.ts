/** The dashboard's per-request values: who is signed in, and the services they reach. */
import type { Bindings } from "../api/env";
import type { Services } from "../core/services";
import type { Viewer } from "../core/sessions";

export interface DashboardEnv {
  Bindings: Bindings;
  Variables: {
    viewer: Viewer;
    services: Services;
    requestId: string;
  };
}
