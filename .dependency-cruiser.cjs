/**
 * The layer rules (issue 12, README § Layers): `npm test` runs `npm run lint:layers`, which
 * fails on any import these rules forbid. Known violations that other work removes are listed
 * in .dependency-cruiser-known-violations.json (`--ignore-known`); that list may only shrink:
 * regenerate it with
 *   npx depcruise src --config .dependency-cruiser.cjs --output-type baseline > .dependency-cruiser-known-violations.json
 * only after removing violations, never to admit new ones.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "domain-imports-nothing",
      comment: "src/domain holds the wire types and records every layer shares; it imports nothing (no lib, no npm package).",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { pathNot: "^src/domain/" },
    },
    {
      name: "lib-imports-only-lib",
      comment: "src/lib is small utilities (streams, retry, errors): it imports nothing of src outside lib, not even domain.",
      severity: "error",
      from: { path: "^src/lib/" },
      to: { path: "^src/", pathNot: "^src/lib/" },
    },
    {
      name: "store-imports-domain-and-lib",
      comment: "The store (the only SQL) knows the records (domain) and utilities (lib), nothing of services, routes or providers.",
      severity: "error",
      from: { path: "^src/store/" },
      to: { path: "^src/", pathNot: "^src/(domain|lib|store)/" },
    },
    {
      name: "provider-imports-domain-lib-and-itself",
      comment:
        "An adapter (src/providers/<name>/) knows one provider: it imports domain, lib, its own folder and the shared provider files (src/providers/*.ts), plus npm packages; never another provider, core, the store or the routes.",
      severity: "error",
      from: { path: "^src/providers/([^/]+)/" },
      to: { path: "^src/", pathNot: ["^src/(domain|lib)/", "^src/providers/$1/", "^src/providers/[^/]+\\.ts$"] },
    },
    {
      name: "shared-provider-files-import-domain-lib-and-providers",
      comment: "The shared provider files (the adapter contract, the registry) import domain, lib and the provider folders only.",
      severity: "error",
      from: { path: "^src/providers/[^/]+\\.ts$" },
      to: { path: "^src/", pathNot: "^src/(domain|lib|providers)/" },
    },
    {
      name: "routes-never-import-store-or-providers",
      comment: "Routes (src/api) and the dashboard know the Anthropic wire and call services (src/core); the store and the adapters are reached through core only.",
      severity: "error",
      from: { path: "^src/(api|dashboard)/" },
      to: { path: "^src/(store|providers)/" },
    },
    {
      name: "apps-built-with-one-router",
      comment:
        "Issue 15's bundle: every Hono app is built with src/lib/hono-app.ts's Hono (one router). A value import of `hono` itself would bundle its Hono, whose SmartRouter ships two routers; types from `hono` are fine.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "node_modules/hono/dist/(cjs/)?(index|hono)\\.js$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-circular",
      comment: "No import cycles: core's batches service is one file per operation (create, refresh, cancel, results), each importing the others only one way.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: a layer that names another's type depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
