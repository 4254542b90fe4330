/**
 * The batch planner: how one gateway batch becomes upstream jobs, alike for every provider.
 * A provider declares its limits and supplies its translator and upstream calls
 * (`ProviderJobs`, in `src/providers/<name>/jobs.ts`); the planner does the rest:
 *
 * - Lines are grouped by the provider's group key (the upstream model; Anthropic: one group).
 *   A group's job is full at the declared `maxLines` or `maxBytes`; its next line starts a new
 *   job (a full job is closed at once, or, when jobs are created at `finish`, its buffer is
 *   held within the budget so that nothing of it is sent before the provider may refuse). Every job's slot is `<group>#<n>`, n counted from 0 within the group.
 * - Memory holds ONE budget (`bufferBytes`) across groups: lines are buffered, so that a batch
 *   that fits sends each job's input whole (one body of known length) at `finish`. Past the
 *   budget, the largest buffer moves to a streaming input, which then takes its group's lines as
 *   they come; a largest buffer under `streamFromBytes` is closed whole instead (its group
 *   continues in a new job), so that no input is tiny.
 * - At most `maxOpenInputs` inputs stream at once (a Worker holds 6 connections): opening one
 *   more closes the least recently written, whose group continues in a new job.
 * - Every upstream artifact is recorded through the sink as soon as it exists; `abort` stops the
 *   open inputs and lets the provider undo what it created.
 *
 * Memory thus holds the budget, what each open input holds (a chunk or an S3 part), and the
 * copy of the one input being sent whole. Where the provider declares `packLines`, buffered
 * lines are packed into pooled slabs (./packed-lines.ts), not held one buffer each.
 */
import type { BatchStart, BatchSink, ClosedInput, JobInput, JobLimits, JobLine, JobSession, PlannedJob, ProviderContext, ProviderJobs } from "../providers/types";
import type { JobRef } from "../domain/job-record";
import { PackedLines, SlabPool } from "./packed-lines";

const encoder = new TextEncoder();
/** The scratch buffer lines given as text are encoded into (a larger line gets its own). */
const SCRATCH_BYTES = 64 * 1024;

/** One future job: its lines while buffered, or its open input. */
interface Segment {
  job: PlannedJob;
  /** The buffered lines: each its own buffer, or packed (`JobLimits.packLines`). */
  buffer: Uint8Array[];
  packed: PackedLines | null;
  /** What `buffer` costs in memory: its bytes plus the declared overhead a line. */
  held: number;
  input: JobInput | null;
  /** Full: takes no more lines (its buffer waits for `finish`, or to be the largest). */
  sealed: boolean;
  /** With `createJobs: "finish"`: the closed input, until its job is created. */
  closed: ClosedInput | null;
  lastWrite: number;
}

/**
 * Places a batch's translated lines into upstream jobs, one line at a time in the order the
 * client sent them.
 *
 * @example
 * const planner = new BatchPlanner(openaiAdapter.batches.jobs, ctx, { batchId, sink });
 * const slot = await planner.add(line); // "gpt-4o-mini#0"
 * const jobs = await planner.finish();  // one JobRef per job
 */
export class BatchPlanner {
  private readonly limits: JobLimits;
  private readonly session: JobSession;
  private readonly sink: BatchSink;
  /** Segments not closed yet, in the order they were started. */
  private readonly live: Segment[] = [];
  /** Closed segments waiting for `finish` to create their jobs (`createJobs: "finish"`). */
  private readonly waiting: Segment[] = [];
  /** The segment taking each group's next line. */
  private readonly current = new Map<string, Segment>();
  private readonly jobsPerGroup = new Map<string, number>();
  private started = 0;
  /** `held` of every buffer together. */
  private held = 0;
  private clock = 0;
  private state: "open" | "finishing" | "finished" | "aborted" = "open";
  private readonly jobs: JobRef[] = [];
  /** Slabs of packed lines, reused from one buffered job to the next (`packLines` only). */
  private readonly slabs: SlabPool | null;
  /** Where a line given as text is encoded (`packLines` only: what it is written to copies it). */
  private readonly scratch: Uint8Array;

  constructor(provider: ProviderJobs, ctx: ProviderContext, start: BatchStart) {
    this.limits = provider.limits(ctx.env);
    this.session = provider.session(ctx, start);
    this.sink = start.sink;
    this.slabs = this.limits.packLines ? new SlabPool() : null;
    this.scratch = new Uint8Array(this.slabs ? SCRATCH_BYTES : 0);
  }

  /** Places one line; returns its job's slot. Rejects with the declared refusal of a group over `maxGroups`. */
  async add(line: JobLine): Promise<string> {
    return this.place(line);
  }

  /**
   * `add` for a hot loop: the slot itself when nothing had to be awaited (most lines: an
   * await per line showed in a 100,000-request create's profile), else a promise of it.
   * Throws (synchronously) what `add` rejects with.
   */
  place(line: JobLine): string | Promise<string> {
    if (this.state !== "open") throw new Error(`add() after the batch planner was ${this.state}`);
    const { maxGroups } = this.limits;
    if (maxGroups && !this.jobsPerGroup.has(line.group) && this.jobsPerGroup.size >= maxGroups.count) {
      throw maxGroups.refuse(line, this.jobsPerGroup.size + 1);
    }
    const bytes = this.bytesOf(line);
    const segment = this.current.get(line.group);
    if (segment && !this.fits(segment, bytes.byteLength)) return this.placeAfterSeal(segment, line, bytes);
    return this.placeIn(segment ?? this.startSegment(line.group), line, bytes);
  }

  private async placeAfterSeal(full: Segment, line: JobLine, bytes: Uint8Array): Promise<string> {
    await this.seal(full);
    const placed = this.placeIn(this.startSegment(line.group), line, bytes);
    return typeof placed === "string" ? placed : await placed;
  }

  // A line given as text is encoded once, with packed lines into the reused scratch buffer:
  // a new buffer per line (TextEncoder.encode) was most of what translating a line cost. The
  // view is good until the next line, and everything it is written to copies it first. A line
  // too large for the scratch buffer gets its own (the scratch buffer never grows).
  private bytesOf(line: JobLine): Uint8Array {
    const text = line.text;
    if (text === undefined) return line.bytes!;
    if (!this.slabs || text.length > SCRATCH_BYTES) return encoder.encode(text);
    const { read, written } = encoder.encodeInto(text, this.scratch);
    return read === text.length ? this.scratch.subarray(0, written) : encoder.encode(text);
  }

  private placeIn(segment: Segment, line: JobLine, bytes: Uint8Array): string | Promise<string> {
    const job = segment.job;
    job.model = job.lines === 0 || job.model === line.model ? line.model : null;
    job.lines += 1;
    job.bytes += bytes.byteLength;
    segment.lastWrite = ++this.clock;
    if (segment.input) {
      const written = segment.input.write(bytes);
      return written ? written.then(() => job.slot) : job.slot;
    }
    if (segment.packed) segment.packed.append(bytes);
    else segment.buffer.push(bytes);
    const cost = bytes.byteLength + this.limits.lineOverheadBytes;
    segment.held += cost;
    this.held += cost;
    if (this.held > this.limits.bufferBytes) return this.keepWithinBudget().then(() => job.slot);
    return job.slot;
  }

  /** Closes every input and creates the jobs; returns them (in the order they were created). */
  async finish(): Promise<JobRef[]> {
    if (this.state !== "open") throw new Error(`finish() after the batch planner was ${this.state}`);
    this.state = "finishing";
    try {
      const atFinish = this.limits.createJobs === "finish";
      if (atFinish) this.session.beforeCreate?.([...this.waiting, ...this.live].map((segment) => segment.job).sort((a, b) => a.ordinal - b.ordinal));
      await inGroupsOf([...this.live], this.limits.closeConcurrency, (segment) => this.close(segment));
      if (atFinish) {
        for (const segment of this.waiting.splice(0).sort((a, b) => a.job.ordinal - b.job.ordinal)) await this.createJob(segment, segment.closed!);
      }
    } catch (error) {
      await this.abort(error);
      throw error;
    }
    this.state = "finished";
    this.slabs?.clear();
    return this.jobs;
  }

  /** Stops every open input and lets the provider undo what it created (best effort; never throws; once). */
  async abort(reason: unknown): Promise<void> {
    if (this.state === "aborted") return;
    this.state = "aborted";
    const live = this.live.splice(0);
    this.current.clear();
    this.held = 0;
    for (const segment of live) {
      segment.buffer = [];
      segment.packed = null;
    }
    this.slabs?.clear();
    await Promise.allSettled(live.map((segment) => segment.input?.abort(reason)));
    await this.session.abort(reason).catch(() => {});
  }

  // An empty job takes any line, so that a line over the byte limit still goes somewhere (and
  // upstream says why not).
  private fits(segment: Segment, lineBytes: number): boolean {
    const { lines, bytes } = segment.job;
    if (lines === 0) return true;
    return lines + 1 <= this.limits.maxLines && bytes + lineBytes <= this.limits.maxBytes;
  }

  private startSegment(group: string): Segment {
    const n = this.jobsPerGroup.get(group) ?? 0;
    this.jobsPerGroup.set(group, n + 1);
    const segment: Segment = {
      job: { slot: slotName(group, n), group, n, ordinal: this.started++, lines: 0, bytes: 0, model: null },
      buffer: [],
      packed: this.slabs ? new PackedLines(this.slabs) : null,
      held: 0,
      input: null,
      sealed: false,
      closed: null,
      lastWrite: this.clock,
    };
    this.live.push(segment);
    this.current.set(group, segment);
    return segment;
  }

  private async keepWithinBudget(): Promise<void> {
    while (this.held > this.limits.bufferBytes) {
      let largest: Segment | undefined;
      for (const segment of this.live) {
        if (!segment.input && segment.held > (largest?.held ?? 0)) largest = segment;
      }
      if (!largest) return;
      if (largest.sealed || largest.job.bytes < this.limits.streamFromBytes) await this.close(largest);
      else await this.moveToInput(largest);
    }
  }

  // The segment's buffer goes to a new streaming input, which then takes the group's next lines.
  private async moveToInput(segment: Segment): Promise<void> {
    let leastRecent: Segment | undefined;
    let open = 0;
    for (const other of this.live) {
      if (!other.input) continue;
      open += 1;
      if (!leastRecent || other.lastWrite < leastRecent.lastWrite) leastRecent = other;
    }
    if (leastRecent && open >= this.limits.maxOpenInputs) await this.close(leastRecent);
    const { lines, release } = this.takeBuffered(segment);
    const input = await this.session.openInput(segment.job);
    segment.input = input;
    // Awaited only where a write sends something (an await per line is a hop per line).
    for (const line of lines) {
      const written = input.write(line);
      if (written) await written;
    }
    release();
  }

  // The segment's buffered lines, taken out of the budget; `release` once they have been sent
  // (packed slabs then go back to the pool).
  private takeBuffered(segment: Segment): { lines: Uint8Array[]; release: () => void } {
    this.held -= segment.held;
    segment.held = 0;
    const packed = segment.packed;
    segment.packed = null;
    if (packed) return { lines: packed.pieces(), release: () => packed.release() };
    const lines = segment.buffer;
    segment.buffer = [];
    return { lines, release: () => {} };
  }

  // A full job takes no more lines. With jobs created at `finish`, a buffered one stays held
  // (within the budget, sent whole when it is the largest) so that nothing of it is sent before
  // the provider's `beforeCreate` had its say; otherwise it is closed at once.
  private async seal(segment: Segment): Promise<void> {
    if (this.limits.createJobs === "close" || segment.input) return this.close(segment);
    segment.sealed = true;
    this.current.delete(segment.job.group);
  }

  // Ends the segment's input (closing its stream, or sending its buffer whole) and records it;
  // its job is created now or at `finish`, as the provider declared.
  private async close(segment: Segment): Promise<void> {
    if (this.current.get(segment.job.group) === segment) this.current.delete(segment.job.group);
    let closed: ClosedInput;
    if (segment.input) {
      closed = await segment.input.close();
    } else {
      const { lines, release } = this.takeBuffered(segment);
      closed = await this.sendWhole(segment, lines);
      release();
    }
    const at = this.live.indexOf(segment);
    if (at >= 0) this.live.splice(at, 1);
    if (closed.artifact) await this.sink.record(closed.artifact);
    if (this.limits.createJobs === "close") await this.createJob(segment, closed);
    else {
      segment.closed = closed;
      this.waiting.push(segment);
    }
  }

  private async sendWhole(segment: Segment, lines: Uint8Array[]): Promise<ClosedInput> {
    if (this.session.sendWhole) return this.session.sendWhole(segment.job, lines);
    const input = await this.session.openInput(segment.job);
    segment.input = input;
    for (const line of lines.splice(0)) {
      const written = input.write(line);
      if (written) await written;
    }
    return input.close();
  }

  private async createJob(segment: Segment, closed: ClosedInput): Promise<void> {
    const { job } = segment;
    const created = await this.session.createJob(job, closed);
    if (created.artifact) await this.sink.record(created.artifact);
    this.jobs.push({
      slot: job.slot,
      nativeId: created.nativeId,
      model: job.model ?? (this.limits.groupIsModel ? job.group : null),
      requestCount: job.lines,
      data: created.data,
    });
  }
}

/**
 * The one rule for slot names: the n-th job (from 0) of a group is `<group>#<n>`.
 *
 * @example
 * slotName("gpt-4o-mini", 0) // "gpt-4o-mini#0"
 */
export function slotName(group: string, n: number): string {
  return `${group}#${n}`;
}

// Settles every started task before reporting a failure, so that nothing is still writing
// when the caller cleans up.
async function inGroupsOf<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += Math.max(1, size)) {
    const outcomes = await Promise.allSettled(items.slice(start, start + Math.max(1, size)).map(run));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
  }
}
