/**
 * batchbridge: the Anthropic Files and Message Batches APIs, on Anthropic, OpenAI, Gemini
 * or Bedrock, from one Worker.
 */
import { createApp } from "./api/app";
import type { Bindings } from "./api/env";
import { ADAPTERS } from "./providers/index";

const app = createApp({ adapters: ADAPTERS });

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
