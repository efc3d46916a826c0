import fs from "node:fs";
import pg from "pg";
import { run } from "../scripts/infra/proc.js";
import { cpuTicks } from "./cpu.js";

/** What a measurement cost in CPU. */
export interface CpuReading {
  /** By process group, per successful operation, in µs. */
  readonly perOperationUs: Readonly<Record<string, number>>;
  /** Cores the whole machine was busy with on average (all processes: ours, Kafka, Redis, anything else running). */
  readonly machineBusyCores: number;
  /** Cores the measured groups used on average. */
  readonly measuredCores: number;
}

/** A running CPU measurement of named groups of processes; {@link CpuMeter.read} reads it. */
export interface CpuMeter {
  /** CPU used since the meter started, with the groups' share divided by `operations`. */
  read(operations: number): CpuReading;
}

let ticksPerSecond: number | undefined;

/**
 * Starts measuring the CPU (user + system) of each group of processes (e.g.
 * "inventory": its pid; "postgres": the backends serving its databases), and
 * of the whole machine, which tells how much of it other work took. A process
 * that exits before the reading counts for nothing, so groups should be
 * long-lived processes: services, pooled connections.
 */
export async function startCpuMeter(groups: Readonly<Record<string, readonly number[]>>): Promise<CpuMeter> {
  ticksPerSecond ??= Number((await run("getconf", ["CLK_TCK"])).trim());
  const clk = ticksPerSecond;
  const before = new Map(Object.values(groups).flat().map((pid) => [pid, ticksOf(pid)]));
  const machineBefore = machineBusyTicks();
  const startedAt = process.hrtime.bigint();
  return {
    read(operations) {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      let measuredTicks = 0;
      const perOperationUs = Object.fromEntries(
        Object.entries(groups).map(([name, pids]) => {
          let ticks = 0;
          for (const pid of pids) {
            const [start, now] = [before.get(pid), ticksOf(pid)];
            if (start !== undefined && now !== undefined) ticks += now - start;
          }
          measuredTicks += ticks;
          return [name, ((ticks / clk) * 1e6) / Math.max(1, operations)];
        }),
      );
      return { perOperationUs, machineBusyCores: (machineBusyTicks() - machineBefore) / clk / seconds, measuredCores: measuredTicks / clk / seconds };
    },
  };
}

/** The pids of the PostgreSQL backends connected to `databases` now (this machine's server). */
export async function postgresBackends(adminUrl: string, databases: readonly string[]): Promise<number[]> {
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])", [databases]);
    return rows.map((r) => r.pid);
  } finally {
    await admin.end();
  }
}

function ticksOf(pid: number): number | undefined {
  try {
    return cpuTicks(pid);
  } catch {
    return undefined; // exited
  }
}

/** Busy time of all CPUs so far (the first line of /proc/stat: everything but idle and iowait), in clock ticks. */
function machineBusyTicks(): number {
  const [, ...fields] = fs.readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}
