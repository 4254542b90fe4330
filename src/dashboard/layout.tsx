/**
 * The page frame: header with navigation, who is signed in and the sign-out form; the page in
 * `<main>`. The live script is loaded on every page and does nothing unless `<main>` holds
 * something running (`data-live`).
 */
import type { Child, FC } from "hono/jsx";
import type { Viewer } from "../core/sessions";
import { Csrf } from "./components";

export type Section = "batches" | "files" | "keys" | "deliveries" | "usage";

export interface LayoutProps {
  title: string;
  viewer: Viewer | null;
  section?: Section;
  children?: Child;
}

/**
 * @example
 * c.html(page(<Layout title="Batches" viewer={viewer} section="batches">…</Layout>))
 */
export const Layout: FC<LayoutProps> = ({ title, viewer, section, children }) => {
  const link = (name: Section, href: string, text: string) => (
    <a href={href} aria-current={section === name ? "page" : undefined}>
      {text}
    </a>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title} · batchbridge</title>
        <link rel="stylesheet" href="/dashboard/assets/app.css" />
        <script src="/dashboard/assets/live.js" defer></script>
      </head>
      <body>
        {viewer ? (
          <header>
            <span class="brand">batchbridge</span>
            <nav>
              {link("batches", "/dashboard", "Batches")}
              {link("files", "/dashboard/files", "Files")}
              {link("usage", "/dashboard/usage", "Usage")}
              {viewer.kind === "admin" ? link("keys", "/dashboard/keys", "Keys") : null}
              {link("deliveries", "/dashboard/deliveries", "Webhook deliveries")}
            </nav>
            <span class="who" data-viewer={viewer.kind}>
              {viewer.kind === "key" ? `key: ${viewer.label}` : viewer.label}
            </span>
            <form method="post" action="/dashboard/sign-out">
              <Csrf token={viewer.csrf} />
              <button class="quiet" type="submit">
                Sign out
              </button>
            </form>
          </header>
        ) : null}
        <main>{children}</main>
      </body>
    </html>
  );
};
