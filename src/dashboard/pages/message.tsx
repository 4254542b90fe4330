/** A page that only says something: an error, a refusal. */
import type { FC } from "hono/jsx";
import type { Viewer } from "../../core/sessions";
import { Layout } from "../layout";

/**
 * @example
 * <MessagePage viewer={viewer} title="Not found" message="Message batch not found: …" />
 */
export const MessagePage: FC<{ viewer: Viewer | null; title: string; message: string }> = ({ viewer, title, message }) => (
  <Layout title={title} viewer={viewer}>
    <h1>{title}</h1>
    <p class="error" role="alert">
      {message}
    </p>
    <p>
      <a href="/dashboard">Back to batches</a>
    </p>
  </Layout>
);
