/** The sign-in page: the admin token or an API key, never put in a URL. */
import type { FC } from "hono/jsx";
import { Layout } from "../layout";

/**
 * @example
 * <SignInPage token={nonce} error={null} />
 */
export const SignInPage: FC<{ token: string; error: string | null }> = ({ token, error }) => (
  <Layout title="Sign in" viewer={null}>
    <div class="sign-in">
      <h1>batchbridge dashboard</h1>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <form method="post" action="/dashboard/sign-in">
        <input type="hidden" name="csrf" value={token} />
        <label>
          Admin token or API key
          <input type="password" name="key" autocomplete="current-password" required autofocus />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">
        The admin token (<code>ADMIN_TOKEN</code>) shows every key's batches and files and manages keys; a virtual key shows only its own.
      </p>
    </div>
  </Layout>
);
