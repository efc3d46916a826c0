/**
 * One `npm start` at a time: the running one keeps a lock file with its pid
 * (and, once it is up, where it serves), so a second one can say so instead
 * of failing to listen on every port. A lock left by a run that was killed
 * is recognised by its dead pid and taken over.
 */
import fs from "node:fs";
import path from "node:path";
import { alive } from "../infra/proc.js";

/** What a lock file says about the run that holds it. */
export interface RunLockHolder {
  readonly pid: number;
  /** The script the holder runs (its process.argv[1]): a pid reused by an unrelated process after a crash does not count. */
  readonly script: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** Where the holder serves, once it said so ({@link RunLock.announce}). */
  readonly consoleUrl?: string;
  readonly gatewayAddress?: string;
}

/** Where a run serves, for a second run to point to. */
export interface RunAddresses {
  readonly consoleUrl: string;
  /** host:port of the gateway's public face; undefined when no gateway runs. */
  readonly gatewayAddress: string | undefined;
}

/** A lock this process holds. */
export interface RunLock {
  readonly file: string;
  /** Adds where this run serves to the lock file. */
  announce(addresses: RunAddresses): void;
  /** Removes the lock file, unless another process has taken it over meanwhile. Safe to call more than once. */
  release(): void;
}

/** Either this process has the lock, or another live one holds it. */
export type RunLockOutcome = { readonly acquired: true; readonly lock: RunLock } | { readonly acquired: false; readonly holder: RunLockHolder };

/** Takes the lock in `file` (creating its directory) unless a live process holds it. */
export function acquireRunLock(file: string): RunLockOutcome {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const mine: RunLockHolder = { pid: process.pid, script: process.argv[1] ?? "", startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    if (createWith(file, mine)) return { acquired: true, lock: heldLock(file, mine) };
    const holder = readHolder(file);
    if (holder !== undefined && holds(holder)) return { acquired: false, holder };
    // Stale (its run was killed) or not a lock at all: take it over.
    if (attempt >= 2) throw new Error(`cannot take over the lock file ${file}; delete it if no npm start is running`);
    fs.rmSync(file, { force: true });
  }
}

/** What a second `npm start` prints about the one that holds the lock. */
export function alreadyRunningMessage(holder: RunLockHolder, file: string): string {
  const where =
    holder.consoleUrl === undefined
      ? "it is still starting"
      : `web console ${holder.consoleUrl}, gateway ${holder.gatewayAddress ?? "not running"}`;
  return [
    `Chaos World is already running (npm start, pid ${holder.pid}, since ${holder.startedAt}): ${where}.`,
    `Stop it with Ctrl-C in its terminal (or kill ${holder.pid}) before starting it again; this run changed nothing.`,
    `(The lock is ${file}; it names a live process, so it is not left over from a run that was killed.)`,
  ].join("\n");
}

/** Creates `file` holding `holder`, atomically with its content; false when it exists. */
function createWith(file: string, holder: RunLockHolder): boolean {
  const draft = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(draft, JSON.stringify(holder));
  try {
    fs.linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

function readHolder(file: string): RunLockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<RunLockHolder>;
    if (!Number.isInteger(parsed.pid) || typeof parsed.script !== "string" || typeof parsed.startedAt !== "string") return undefined;
    return parsed as RunLockHolder;
  } catch {
    return undefined;
  }
}

/** True when the holder's process is alive and still runs the holder's script (where /proc tells). */
function holds(holder: RunLockHolder): boolean {
  if (holder.pid <= 0 || !alive(holder.pid)) return false;
  if (holder.script === "") return true;
  let commandLine: string;
  try {
    commandLine = fs.readFileSync(`/proc/${holder.pid}/cmdline`, "utf8");
  } catch {
    return true;
  }
  return commandLine.split("\0").some((arg) => arg !== "" && path.basename(arg) === path.basename(holder.script));
}

function heldLock(file: string, mine: RunLockHolder): RunLock {
  const ours = () => readHolder(file)?.pid === mine.pid;
  return {
    file,
    announce(addresses) {
      if (!ours()) return;
      const draft = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(draft, JSON.stringify({ ...mine, ...addresses }));
      fs.renameSync(draft, file);
    },
    release() {
      if (ours()) fs.rmSync(file, { force: true });
    },
  };
}
