import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { acquireRunLock, alreadyRunningMessage } from "./run-lock.js";

const holderScript = path.join(import.meta.dirname, "fixtures", "hold-run-lock.ts");
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function lockFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-run-lock-"));
  dirs.push(dir);
  return path.join(dir, "nested", "start.lock");
}

/** A real process holding the lock; resolves once it said so. */
function holder(file: string, consoleUrl?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", holderScript, file, ...(consoleUrl === undefined ? [] : [consoleUrl])], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line === "holding") resolve(child);
    });
  });
}

const gone = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));

describe("acquireRunLock", () => {
  it("refuses while another live process holds the lock, naming it and where it serves", async () => {
    const file = lockFile();
    const running = await holder(file, "http://127.0.0.1:8080");
    const outcome = acquireRunLock(file);
    expect(outcome.acquired).toBe(false);
    if (outcome.acquired) return;
    expect(outcome.holder.pid).toBe(running.pid);
    const message = alreadyRunningMessage(outcome.holder, file);
    expect(message).toContain("already running");
    expect(message).toContain(`pid ${running.pid}`);
    expect(message).toContain("http://127.0.0.1:8080");
    expect(message).toContain("127.0.0.1:7210");
  });

  it("says a holder that has not announced its addresses yet is still starting", async () => {
    const file = lockFile();
    await holder(file);
    const outcome = acquireRunLock(file);
    if (outcome.acquired) throw new Error("acquired a held lock");
    expect(alreadyRunningMessage(outcome.holder, file)).toContain("still starting");
  });

  it("takes over the lock of a process that was killed", async () => {
    const file = lockFile();
    const killed = await holder(file);
    killed.kill("SIGKILL");
    await gone(killed);
    expect(fs.existsSync(file)).toBe(true);
    const outcome = acquireRunLock(file);
    expect(outcome.acquired).toBe(true);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).pid).toBe(process.pid);
    if (outcome.acquired) outcome.lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it("ignores a lock whose pid now belongs to a process running something else", async () => {
    const file = lockFile();
    const unrelated = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
    children.push(unrelated);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ pid: unrelated.pid, script: "/somewhere/scripts/start.ts", startedAt: new Date().toISOString() }));
    expect(acquireRunLock(file).acquired).toBe(true);
  });

  it("ignores a lock file that is not one (empty or cut short)", () => {
    const file = lockFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "{\"pid\": 12");
    expect(acquireRunLock(file).acquired).toBe(true);
  });

  it("lets a second process in once the first released the lock", async () => {
    const file = lockFile();
    const first = await holder(file);
    expect(acquireRunLock(file).acquired).toBe(false);
    first.kill("SIGTERM");
    await gone(first);
    expect(fs.existsSync(file)).toBe(false);
    await holder(file);
  });

  it("does not remove a lock another process took over", async () => {
    const file = lockFile();
    const outcome = acquireRunLock(file);
    if (!outcome.acquired) throw new Error("lock not acquired");
    fs.writeFileSync(file, JSON.stringify({ pid: 1, script: "init", startedAt: new Date().toISOString() }));
    outcome.lock.release();
    expect(fs.existsSync(file)).toBe(true);
  });
});
