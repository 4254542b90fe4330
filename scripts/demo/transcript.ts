/**
 * The demo's transcript: sections, checked steps (✓ or ✗ with the reason) and a batch's
 * progress bar. A step that throws is a failed step; the demo goes on where it can and exits
 * non-zero when any step failed.
 */

export interface Transcript {
  section(title: string): void;
  /** Runs a step; its result, or `undefined` when it failed (the failure is printed). */
  step<T>(name: string, run: () => Promise<T>, describe: (result: T) => string): Promise<T | undefined>;
  /** A line under the current step. */
  detail(line: string): void;
  progress(counts: RequestCounts, status: string): void;
  readonly passed: number;
  readonly failed: number;
}

export interface RequestCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

/** A step that did not do what the seed says. */
export class StepFailure extends Error {}

/**
 * @example
 * const transcript = createTranscript(process.stdout);
 * await transcript.step("upload", () => client.beta.files.upload({ file }), (file) => `${file.id}`);
 */
export function createTranscript(out: NodeJS.WriteStream): Transcript {
  let passed = 0;
  let failed = 0;
  let lastBar = "";
  const write = (line: string): void => {
    if (lastBar && out.isTTY) out.write("\n");
    lastBar = "";
    out.write(`${line}\n`);
  };
  return {
    get passed() {
      return passed;
    },
    get failed() {
      return failed;
    },
    section(title) {
      write(`\n== ${title} ==`);
    },
    async step(name, run, describe) {
      try {
        const result = await run();
        passed += 1;
        write(`  ✓ ${name}: ${describe(result)}`);
        return result;
      } catch (error) {
        failed += 1;
        write(`  ✗ ${name}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    },
    detail(line) {
      write(`      ${line}`);
    },
    progress(counts, status) {
      const bar = progressBar(counts, status);
      if (bar === lastBar) return;
      // A terminal sees one bar moving; a log sees one line per change.
      if (out.isTTY) out.write(`\r${bar}`);
      else out.write(`${bar}\n`);
      lastBar = bar;
    },
  };
}

/**
 * @example
 * progressBar({ processing: 1, succeeded: 1, errored: 0, canceled: 0, expired: 0 }, "in_progress");
 * // "      [##########··········] 1/2 in_progress"
 */
export function progressBar(counts: RequestCounts, status: string, width = 20): string {
  const done = counts.succeeded + counts.errored + counts.canceled + counts.expired;
  const total = done + counts.processing;
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `      [${"#".repeat(filled)}${"·".repeat(width - filled)}] ${done}/${total} ${status}`;
}
