import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "./infra/config.js";

/** Holders of the lock, and runs of start.ts (each in its own process group, so whatever it started goes with it). */
const children: ChildProcess[] = [];
const groups: ChildProcess[] = [];
const dirs: string[] = [];
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const group of groups.splice(0)) if (running(group)) process.kill(-group.pid!, "SIGKILL");
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs scripts/start.ts with this data directory until it exits (or the time runs out). */
function start(dataDir: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts", "start.ts")], {
    cwd: repoRoot,
    env: { ...process.env, CHAOS_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  groups.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      resolve({ code: null, output: `${output}\n(still running after ${timeoutMs / 1000} s)` });
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("npm start while another npm start runs", () => {
  it("says the system is already running and where, exits non-zero and leaves the running one alone", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-start-"));
    dirs.push(dataDir);
    const lockFile = path.join(dataDir, "start.lock");
    // The first run, as far as a second one can tell: a live process holding the lock.
    const first = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts", "lib", "fixtures", "hold-run-lock.ts"), lockFile, "http://127.0.0.1:8080"], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(first);
    await new Promise<void>((resolve) => readline.createInterface({ input: first.stdout! }).on("line", (line) => line === "holding" && resolve()));
    const lockBefore = fs.readFileSync(lockFile, "utf8");

    const second = await start(dataDir, 45_000);

    expect(second.output).toContain("Chaos World is already running");
    expect(second.output).toContain(`pid ${first.pid}`);
    expect(second.output).toContain("http://127.0.0.1:8080");
    expect(second.output).not.toContain("EADDRINUSE");
    expect(second.output).not.toMatch(/^\s+at /m);
    expect(second.code).toBe(1);
    expect(first.exitCode).toBeNull();
    expect(fs.readFileSync(lockFile, "utf8")).toBe(lockBefore);
    // Nothing else was set up in the data directory.
    expect(fs.readdirSync(dataDir)).toEqual(["start.lock"]);
  }, 60_000);
});
