/**
 * Processes under /proc: the workerd processes a `wrangler dev` started, and their resident
 * memory (VmRSS), read straight from the kernel.
 */
import { readdirSync, readFileSync } from "node:fs";

interface ProcStat {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot. */
  start: number;
  comm: string;
}

function stat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may hold spaces; the fields after it are space separated.
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    const rest = text.slice(close + 2).split(" ");
    return { pid, comm: text.slice(open + 1, close), ppid: Number(rest[1]), start: Number(rest[19]) };
  } catch {
    return null;
  }
}

/** Every live process that descends from `root`, oldest first. */
export function descendants(root: number): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = stat(Number(name));
    if (entry) all.push(entry);
  }
  const children = new Map<number, ProcStat[]>();
  for (const entry of all) {
    const list = children.get(entry.ppid) ?? [];
    list.push(entry);
    children.set(entry.ppid, list);
  }
  const found: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found.sort((a, b) => a.start - b.start || a.pid - b.pid);
}

/** The workerd processes under `root`, in the order they started (wrangler dev starts two; the Worker runs in the second). */
export function workerdPids(root: number): number[] {
  return descendants(root)
    .filter((entry) => entry.comm === "workerd" || readCmdline(entry.pid).includes("workerd"))
    .filter((entry) => entry.comm !== "node" && entry.comm !== "npm" && entry.comm !== "sh")
    .map((entry) => entry.pid);
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
  } catch {
    return "";
  }
}

/** Resident memory of `pid` in bytes, or null once it has exited. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) `pid` has used so far, in milliseconds; null once it has exited. Assumes 100 ticks a second (Linux's USER_HZ). */
export function cpuMs(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return null;
  }
}
