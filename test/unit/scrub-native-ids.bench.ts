/**
 * Micro-measurement of native-ID scrubbing: result lines and 64 KiB chunks of an
 * OpenAI output file, against JSON.stringify and decode+encode baselines. Not part of
 * `npm run bench`; run it with:
 *   npx esbuild test/unit/scrub-native-ids.bench.ts --bundle --platform=node --format=esm --outfile=/tmp/scrub.mjs && node /tmp/scrub.mjs
 */
import { nativeIdScrubber, scrubResultLine } from "../../src/core/native-ids";
import { openaiAdapter } from "../../src/providers/openai/index";

// Pairs as for a batch naming 200 files, 3 jobs.
const pairs: [string, string][] = [];
for (let i = 0; i < 200; i++) pairs.push([`file-${String(i).padStart(22, "x")}`, `file_01JDQ8Z3K4T5V6W7X8Y9Z0AB${String(i % 100).padStart(2, "0")}`]);
for (let i = 0; i < 3; i++) pairs.push([`batch_${String(i).padStart(32, "a")}`, "msgbatch_01JDQ8Z3K4T5V6W7X8Y9Z0ABCD"]);
const scrub = nativeIdScrubber(pairs, [openaiAdapter.nativeIdShapes]);

const succeeded = { custom_id: "req-1", result: { type: "succeeded", message: { id: "msg_01", type: "message", role: "assistant", model: "gpt-4o-mini", content: [{ type: "text", text: "The answer is 105. ".repeat(20) }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 12, output_tokens: 90 } } } };
const errored = { custom_id: "req-2", result: { type: "errored", error: { type: "error", error: { type: "invalid_request_error", message: "Invalid file id: 'file-xxxxxxxxxxxxxxxxxxxxx7'." } } } };
const openaiLine = JSON.stringify({ id: "batch_req_0123456789abcdef", custom_id: "req-1", response: { status_code: 200, request_id: "abc", body: { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "The answer is 105. ".repeat(20) }, finish_reason: "stop" }], usage: { prompt_tokens: 12, completion_tokens: 90, total_tokens: 102 } } }, error: null }) + "\n";

function time(label: string, n: number, bytesPer: number, run: () => void) {
  for (let i = 0; i < 2000; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) run();
  const ms = performance.now() - t0;
  console.log(`${label}: ${((ms * 1000) / n).toFixed(2)} µs per item, ${((bytesPer * n) / 1024 / 1024 / (ms / 1000)).toFixed(0)} MB/s`);
}
const N = 200_000;
time("baseline JSON.stringify(succeeded line)", N, 600, () => void JSON.stringify(succeeded));
time("scrubResultLine(succeeded) + stringify", N, 600, () => void JSON.stringify(scrubResultLine(succeeded as never, scrub)));
time("scrubResultLine(errored, replaced)", N, 200, () => void scrubResultLine(errored as never, scrub));
const chunk = openaiLine.repeat(100); // ~64 KiB of OpenAI output lines, each with batch_req_
time("scrub(64 KiB OpenAI output chunk, hint 'batch_' present)", 2000, chunk.length, () => void scrub(chunk));
const plain = chunk.replaceAll("batch_req_", "xreq_");
time("scrub(64 KiB chunk, no hint)", 2000, plain.length, () => void scrub(plain));
const enc = new TextEncoder(), dec = new TextDecoder();
const bytes = enc.encode(chunk);
time("baseline decode+encode 64 KiB", 2000, chunk.length, () => void enc.encode(dec.decode(bytes)));
