// Copies the two files of Swagger UI that /docs serves (swagger-ui-dist's prebuilt bundle and
// stylesheet) into public/docs/, the Worker's static assets (wrangler.toml [assets]). Run by
// `npm install` (postinstall), `npm run dev` and `npm run deploy`; the copies are not committed
// (.gitignore): the package in node_modules is their source.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "node_modules/swagger-ui-dist");
const to = join(root, "public/docs");
mkdirSync(to, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) copyFileSync(join(from, file), join(to, file));
