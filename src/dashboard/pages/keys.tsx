/**
 * The keys page (admin only): every virtual key, a form to create one (its secret is shown
 * on the answer to that form only, never again), and revocation.
 */
import type { FC } from "hono/jsx";
import type { Viewer } from "../../core/sessions";
import type { VirtualKey } from "../../store/keys";
import { Csrf, Time } from "../components";
import { Layout, type LayoutProps } from "../layout";

export interface KeysPageProps {
  viewer: Viewer;
  features: NonNullable<LayoutProps["features"]>;
  keys: VirtualKey[];
  /** A key just created, with its secret: shown this once. */
  created: { key: VirtualKey; secret: string } | null;
  error: string | null;
}

/**
 * @example
 * <KeysPage viewer={viewer} features={features} keys={keys} created={null} error={null} />
 */
export const KeysPage: FC<KeysPageProps> = ({ viewer, features, keys, created, error }) => (
  <Layout title="Keys" viewer={viewer} section="keys" features={features}>
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
      <button type="submit">Create key</button>
    </form>
    {keys.length === 0 ? (
      <p class="muted">No keys yet: the gateway is open to any key until one exists.</p>
    ) : (
      <table id="keys">
        <thead>
          <tr>
            <th>Name</th>
            <th>ID</th>
            <th>Providers</th>
            <th>Models</th>
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
              <td>
                <Time at={key.createdAt} />
              </td>
              <td>
                <Time at={key.revokedAt} />
              </td>
              <td>
                {key.revokedAt ? null : (
                  <form method="post" action={`/dashboard/keys/${key.id}/revoke`} class="inline">
                    <Csrf token={viewer.csrf} />
                    <button class="danger" type="submit">
                      Revoke
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </Layout>
);
