/**
 * Keeps a service running for `npm start`: a process that exits without
 * being asked to is reported (how it ended, its last output) and started
 * again, after a delay that doubles while it keeps dying soon after start,
 * up to a bound.
 */

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What the supervisor needs of a running process (a ServiceProcess has it). */
export interface SupervisedProcess {
  /** Resolves once the process is gone. */
  readonly exited: Promise<ProcessExit>;
  /** Its last lines of output, oldest first. */
  lastLines(): readonly string[];
  /** Asks the process to stop and resolves once it is gone. */
  stop(): Promise<unknown>;
}

/** Options of {@link supervise}; every field has a documented default. */
export interface SupervisorOptions<P extends SupervisedProcess> {
  /** The name used in reports. */
  readonly name: string;
  /** Starts the process again; resolves once it is ready, rejects when it cannot start. */
  readonly restart: () => Promise<P>;
  /** Wait before the first restart. Default 500 ms. */
  readonly initialBackoffMs?: number;
  /** The longest wait between restarts. Default 30 s. */
  readonly maxBackoffMs?: number;
  /** A process that stayed up this long is restarted after the initial wait again. Default 60 s. */
  readonly stableAfterMs?: number;
  /** Where exits and restarts are reported. Default console.error. */
  readonly log?: (message: string) => void;
}

/** One supervised process. */
export interface Supervisor<P extends SupervisedProcess> {
  /** The process running now; undefined while it is down. */
  readonly current: P | undefined;
  /** How many times the process was started again. */
  readonly restarts: number;
  /** Stops supervising, then stops the process: nothing is restarted once this is called. */
  stop(): Promise<void>;
}

/** The wait before a restart after `failures` restarts that each died before they were stable. */
export function restartDelay(failures: number, initialMs: number, maxMs: number): number {
  return Math.min(initialMs * 2 ** failures, maxMs);
}

/** Supervises `first`, a process that is already ready. */
export function supervise<P extends SupervisedProcess>(first: P, options: SupervisorOptions<P>): Supervisor<P> {
  const { name, restart } = options;
  const initialMs = options.initialBackoffMs ?? 500;
  const maxMs = options.maxBackoffMs ?? 30_000;
  const stableAfterMs = options.stableAfterMs ?? 60_000;
  const log = options.log ?? ((message: string) => console.error(message));
  let current: P | undefined;
  let stopping = false;
  let failures = 0;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> | undefined;

  const watch = (child: P) => {
    current = child;
    const readyAt = Date.now();
    void child.exited.then((exit) => {
      if (stopping || current !== child) return;
      current = undefined;
      const upMs = Date.now() - readyAt;
      if (upMs >= stableAfterMs) failures = 0;
      const how = exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
      const lines = child.lastLines();
      log(`${name} exited unexpectedly (${how}) after ${seconds(upMs)} s; ${lines.length === 0 ? "it printed nothing" : `its last output:\n${lines.map((l) => `  ${l}`).join("\n")}`}`);
      scheduleRestart();
    });
  };

  const scheduleRestart = () => {
    const delay = restartDelay(failures, initialMs, maxMs);
    failures++;
    log(`restarting ${name} in ${seconds(delay)} s${failures > 1 ? ` (attempt ${failures} in a row)` : ""}`);
    timer = setTimeout(() => {
      timer = undefined;
      attempt = startAgain().finally(() => (attempt = undefined));
    }, delay);
  };

  const startAgain = async () => {
    let child: P;
    try {
      child = await restart();
    } catch (error) {
      if (stopping) return;
      log(`${name} failed to restart: ${(error as Error).message}`);
      scheduleRestart();
      return;
    }
    if (stopping) {
      await child.stop();
      return;
    }
    restarts++;
    log(`${name} is serving again`);
    watch(child);
  };

  watch(first);
  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await Promise.all([current?.stop(), attempt]);
      current = undefined;
    },
  };
}

const seconds = (ms: number) => String(Math.round(ms / 10) / 100);
