/**
 * The keys page (admin only): every virtual key with its limits and webhook, a form to create
 * one (its secret, and its webhook's signing secret, are shown on the answer to that form
 * only, never again), a form per key to change its limits and webhook URL, and revocation.
 */
import type { FC } from "hono/jsx";
import { RPM_TIERS } from "../../core/limits";
import type { Viewer } from "../../core/sessions";
import type { KeyLimits, VirtualKey } from "../../domain/virtual-key";
import { Csrf, Time } from "../components";
import { Layout } from "../layout";

export interface KeysPageProps {
  viewer: Viewer;
  keys: VirtualKey[];
  /** A key just created, with its secret (and its webhook's): shown this once. */
  created: { key: VirtualKey; secret: string; webhookSecret: string | null } | null;
  /** A key whose webhook URL was just set, with the new signing secret: shown this once. */
  updated: { key: VirtualKey; webhookSecret: string | null } | null;
  error: string | null;
}

/**
 * @example
 * <KeysPage viewer={viewer} keys={keys} created={null} updated={null} error={null} />
 */
export const KeysPage: FC<KeysPageProps> = ({ viewer, keys, created, updated, error }) => (
  <Layout title="Keys" viewer={viewer} section="keys">
    <h1>Virtual keys</h1>
    {error ? (
      <p class="error" role="alert">
        {error}
      </p>
    ) : null}
    {created ? (
      <div class="secret" id="new-key">
        <p>
          Key <strong>{created.key.name}</strong> created. Copy its secret now: it is not shown again.
        </p>
        <p>
          <code id="new-key-secret">{created.secret}</code>
        </p>
        {created.webhookSecret ? (
          <p>
            Webhook signing secret: <code id="new-webhook-secret">{created.webhookSecret}</code>
          </p>
        ) : null}
      </div>
    ) : null}
    {updated ? (
      <div class="secret" id="updated-key">
        <p>
          Key <strong>{updated.key.name}</strong> updated.
          {updated.webhookSecret ? " Copy the new webhook signing secret now: it is not shown again." : ""}
        </p>
        {updated.webhookSecret ? (
          <p>
            <code id="new-webhook-secret">{updated.webhookSecret}</code>
          </p>
        ) : null}
      </div>
    ) : null}
    <form method="post" action="/dashboard/keys" class="card" id="create-key">
      <Csrf token={viewer.csrf} />
      <label>
        Name
        <input type="text" name="name" required maxlength={200} />
      </label>
      <label>
        Providers (comma-separated, empty: all)
        <input type="text" name="providers" placeholder="openai, gemini" />
      </label>
      <label>
        Models (comma-separated, empty: all)
        <input type="text" name="models" placeholder="gpt-4o-mini" />
      </label>
      <LimitFields limits={null} />
      <label>
        Webhook URL (optional)
        <input type="url" name="webhook_url" placeholder="https://hooks.example.com/batches" />
      </label>
      <button type="submit">Create key</button>
    </form>
    {keys.length === 0 ? (
      <p class="muted">No keys yet.</p>
    ) : (
      <table id="keys">
        <thead>
          <tr>
            <th>Name</th>
            <th>ID</th>
            <th>Providers</th>
            <th>Models</th>
            <th>Limits</th>
            <th>Webhook</th>
            <th>Created</th>
            <th>Revoked</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr data-key={key.id}>
              <td class="key-name">{key.name}</td>
              <td class="mono">{key.id}</td>
              <td>{key.providers ? key.providers.join(", ") : <span class="muted">all</span>}</td>
              <td>{key.models ? key.models.join(", ") : <span class="muted">all</span>}</td>
              <td class="limits">{limitsText(key.limits)}</td>
              <td class="webhook mono">{key.webhookUrl ?? <span class="muted">—</span>}</td>
              <td>
                <Time at={key.createdAt} />
              </td>
              <td class="revoked">
                <Time at={key.revokedAt} />
              </td>
              <td>
                {key.revokedAt ? null : (
                  <>
                    <details>
                      <summary>Edit</summary>
                      <form method="post" action={`/dashboard/keys/${key.id}`} class="card edit-key">
                        <Csrf token={viewer.csrf} />
                        <LimitFields limits={key.limits} />
                        <label>
                          Webhook URL (empty: none)
                          <input type="url" name="webhook_url" value={key.webhookUrl ?? ""} />
                        </label>
                        <button type="submit">Save</button>
                      </form>
                    </details>
                    <form method="post" action={`/dashboard/keys/${key.id}/revoke`} class="inline">
                      <Csrf token={viewer.csrf} />
                      <button class="danger" type="submit">
                        Revoke
                      </button>
                    </form>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </Layout>
);

/** The limit inputs of the create and edit forms (empty: no limit). */
const LimitFields: FC<{ limits: KeyLimits | null }> = ({ limits }) => (
  <>
    <label>
      Requests per minute
      <select name="requests_per_minute">
        <option value="">no limit</option>
        {RPM_TIERS.map((tier) => (
          <option value={String(tier)} selected={limits?.requestsPerMinute === tier}>
            {tier}
          </option>
        ))}
      </select>
    </label>
    <label>
      Batches in progress at most
      <input type="number" name="max_batches_in_progress" min="1" max="100000" value={limits?.maxBatchesInProgress ?? ""} />
    </label>
    <label>
      Monthly budget (USD, not enforced)
      <input type="number" name="monthly_budget_usd" min="0.01" step="0.01" value={limits?.monthlyBudgetUsd ?? ""} />
    </label>
  </>
);

function limitsText(limits: KeyLimits): string {
  const parts: string[] = [];
  if (limits.requestsPerMinute !== null) parts.push(`${limits.requestsPerMinute} req/min`);
  if (limits.maxBatchesInProgress !== null) parts.push(`${limits.maxBatchesInProgress} batches at once`);
  if (limits.monthlyBudgetUsd !== null) parts.push(`$${limits.monthlyBudgetUsd}/month budget`);
  return parts.length ? parts.join(", ") : "none";
}
