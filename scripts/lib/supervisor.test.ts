import { spawn } from "node:child_process";
import readline from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { restartDelay, supervise, type ProcessExit, type SupervisedProcess, type Supervisor } from "./supervisor.js";

/**
 * A real child process standing in for a service: prints "ready", then a
 * last words line, and exits with `exitCode` after `lifeMs` (never when
 * `lifeMs` is undefined).
 */
function launch(lifeMs: number | undefined, exitCode = 3): Promise<SupervisedProcess & { pid: number }> {
  return run(`
    console.log("ready");
    ${lifeMs === undefined ? "setInterval(() => {}, 1 << 30);" : `setTimeout(() => { console.error("last words of " + process.pid); process.exit(${exitCode}); }, ${lifeMs});`}
  `);
}

/** A child process that exits with 3 before it is ready. */
const launchBroken = () => run(`console.error("no config"); process.exit(3);`);

function run(script: string): Promise<SupervisedProcess & { pid: number }> {
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  readline.createInterface({ input: child.stderr }).on("line", (line) => lines.push(line));
  const exited = new Promise<ProcessExit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const beforeReady = (code: number | null) => reject(new Error(`exited with ${code} before it was ready`));
    child.once("exit", beforeReady);
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (line !== "ready") return;
      child.removeListener("exit", beforeReady);
      resolve({
        pid: child.pid!,
        exited,
        lastLines: () => lines,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          return exited;
        },
      });
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

const supervisors: Supervisor<SupervisedProcess>[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

describe("restartDelay", () => {
  it("doubles from the initial delay up to the bound", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map((failures) => restartDelay(failures, 500, 30_000))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000,
    ]);
  });
});

describe("supervise", () => {
  it("reports an unexpected exit with its code and last output, and restarts the process", async () => {
    const log: string[] = [];
    const first = await launch(50);
    const pids = [first.pid];
    const supervisor = supervise(first, {
      name: "dummy",
      restart: async () => {
        const next = await launch(undefined);
        pids.push(next.pid);
        return next;
      },
      initialBackoffMs: 100,
      log: (line) => log.push(line),
    });
    supervisors.push(supervisor);
    await eventually(() => pids.length === 2 && supervisor.current !== undefined && log.some((l) => l.includes("serving again")));
    const report = log.join("\n");
    expect(report).toContain("dummy exited unexpectedly (exit code 3)");
    expect(report).toContain(`last words of ${pids[0]}`);
    expect(report).toMatch(/restarting dummy in 0\.1 s/);
    expect(supervisor.restarts).toBe(1);
    expect(alive(pids[1]!)).toBe(true);
  });

  it("names the signal that killed the process", async () => {
    const log: string[] = [];
    const first = await launch(undefined);
    const supervisor = supervise(first, { name: "dummy", restart: () => launch(undefined), initialBackoffMs: 50, log: (line) => log.push(line) });
    supervisors.push(supervisor);
    process.kill(first.pid, "SIGKILL");
    await eventually(() => supervisor.restarts === 1);
    expect(log.join("\n")).toContain("dummy exited unexpectedly (signal SIGKILL)");
  });

  it("waits twice as long after each exit that follows quickly, bounded, and starts over once the process stayed up", async () => {
    const log: string[] = [];
    // Four quick deaths, then one that stays up past stableAfterMs, then quick deaths again.
    const lives = [40, 40, 40, 40, 600, 40];
    const startedAt: number[] = [];
    const exitedAt: number[] = [];
    const track = (process: SupervisedProcess) => {
      startedAt.push(Date.now());
      void process.exited.then(() => exitedAt.push(Date.now()));
      return process;
    };
    const first = track(await launch(lives[0]));
    const supervisor = supervise(first, {
      name: "flaky",
      restart: async () => track(await launch(lives[startedAt.length] ?? undefined)),
      initialBackoffMs: 100,
      maxBackoffMs: 400,
      stableAfterMs: 400,
      log: (line) => log.push(line),
    });
    supervisors.push(supervisor);
    await eventually(() => supervisor.restarts === lives.length, 20_000);
    const delays = log.flatMap((l) => /restarting flaky in ([\d.]+) s/.exec(l)?.[1] ?? []).map(Number);
    expect(delays).toEqual([0.1, 0.2, 0.4, 0.4, 0.1, 0.2]);
    // The waits really happen: each start comes at least its delay after the exit before it.
    for (let i = 0; i < delays.length; i++) expect(startedAt[i + 1]! - exitedAt[i]!).toBeGreaterThanOrEqual(delays[i]! * 1000 - 5);
  });

  it("keeps trying when a restart fails, waiting longer each time", async () => {
    const log: string[] = [];
    let attempts = 0;
    const first = await launch(30);
    const supervisor = supervise(first, {
      name: "broken",
      restart: async () => {
        attempts++;
        if (attempts < 3) return launchBroken();
        return launch(undefined);
      },
      initialBackoffMs: 50,
      log: (line) => log.push(line),
    });
    supervisors.push(supervisor);
    await eventually(() => supervisor.restarts === 1);
    expect(attempts).toBe(3);
    const report = log.join("\n");
    expect(report).toContain("broken failed to restart: exited with 3 before it was ready");
    expect(log.flatMap((l) => /restarting broken in ([\d.]+) s/.exec(l)?.[1] ?? []).map(Number)).toEqual([0.05, 0.1, 0.2]);
  });

  it("does not restart a process it was told to stop", async () => {
    const log: string[] = [];
    let restarts = 0;
    const first = await launch(undefined);
    const supervisor = supervise(first, {
      name: "calm",
      restart: async () => {
        restarts++;
        return launch(undefined);
      },
      initialBackoffMs: 20,
      log: (line) => log.push(line),
    });
    await supervisor.stop();
    expect(alive(first.pid)).toBe(false);
    expect(await first.exited).toEqual({ code: null, signal: "SIGTERM" });
    await sleep(300);
    expect(restarts).toBe(0);
    expect(log).toEqual([]);
  });

  it("does not restart when shutdown begins while it waits to restart", async () => {
    const log: string[] = [];
    let restarts = 0;
    const first = await launch(undefined);
    const supervisor = supervise(first, {
      name: "calm",
      restart: async () => {
        restarts++;
        return launch(undefined);
      },
      initialBackoffMs: 300,
      log: (line) => log.push(line),
    });
    process.kill(first.pid, "SIGKILL");
    await eventually(() => log.some((l) => l.includes("restarting calm")));
    await supervisor.stop();
    await sleep(500);
    expect(restarts).toBe(0);
  });

  it("stops a process that became ready after shutdown began", async () => {
    let restartBegan = false;
    let started: (SupervisedProcess & { pid: number }) | undefined;
    const first = await launch(undefined);
    const supervisor = supervise(first, {
      name: "late",
      restart: async () => {
        restartBegan = true;
        started = await launch(undefined);
        return started;
      },
      initialBackoffMs: 10,
      log: () => undefined,
    });
    process.kill(first.pid, "SIGKILL");
    await eventually(() => restartBegan);
    await supervisor.stop();
    expect(started).toBeDefined();
    expect(alive(started!.pid)).toBe(false);
    expect(supervisor.current).toBeUndefined();
  });
});
