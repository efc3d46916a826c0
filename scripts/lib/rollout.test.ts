import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../infra/config.js";
import { rollout, serverFaultCodes, type Release } from "./rollout.js";

/**
 * The rollout's decisions, over processes that are admin faces only: each a real HTTP server answering
 * /readyz and /metrics as a service's admin port does, started and stopped by the target's replace().
 * clients/replicas.test.ts rolls real combat processes out under load.
 */
interface FakeBehaviour {
  readonly startFails?: boolean;
  readonly calls?: number;
  readonly faults?: number;
  /** Becomes unready this long after start. */
  readonly unreadyAfterMs?: number;
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function adminFace(behaviour: FakeBehaviour): Promise<http.Server> {
  const startedAt = Date.now();
  const server = http.createServer((req, res) => {
    if (req.url === "/readyz") {
      const ready = behaviour.unreadyAfterMs === undefined || Date.now() - startedAt < behaviour.unreadyAfterMs;
      res.writeHead(ready ? 200 : 503).end();
    } else {
      const ok = (behaviour.calls ?? 0) - (behaviour.faults ?? 0);
      res.writeHead(200).end(
        `# HELP chaos_server_calls_total Calls served.\nchaos_server_calls_total{face="internal",method="/a.B/C",code="OK"} ${ok}\nchaos_server_calls_total{face="internal",method="/a.B/C",code="Unavailable"} ${behaviour.faults ?? 0}\nchaos_server_calls_total{face="internal",method="/a.B/C",code="FailedPrecondition"} 3\n`,
      );
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** A target of three processes; `next` says how a process on the next release behaves. */
function target(next: (label: string) => FakeBehaviour) {
  const labels = ["svc", "svc#2", "svc#3"];
  const running = new Map<string, { release: Release; port: number; server: http.Server }>();
  const replaced: string[] = [];
  return {
    replaced,
    releaseOf: (label: string) => running.get(label)?.release ?? "previous",
    target: {
      labels,
      async replace(label: string, release: Release) {
        replaced.push(`${label}→${release}`);
        const old = running.get(label);
        running.delete(label);
        if (old !== undefined) await new Promise((resolve) => old.server.close(resolve));
        const behaviour = release === "next" ? next(label) : { calls: 5 };
        if (behaviour.startFails === true) throw new Error(`${label} exited with 1 during start-up; its last output:\nCHAOS_X must be a number`);
        const server = await adminFace(behaviour);
        running.set(label, { release, port: (server.address() as AddressInfo).port, server });
      },
      adminPort: (label: string) => running.get(label)!.port,
    },
  };
}

const fast = { bakeMs: 300, probeEveryMs: 50 };

describe("a rollout", () => {
  it("replaces every process in turn when each stays ready and serves without faults", async () => {
    const world = target(() => ({ calls: 40, faults: 1 }));
    const result = await rollout(world.target, fast);
    expect(result.outcome).toBe("rolled out");
    expect(world.replaced).toEqual(["svc→next", "svc#2→next", "svc#3→next"]);
    expect(result.steps.map((step) => [step.label, step.calls, step.faults])).toEqual([
      ["svc", 43, 1],
      ["svc#2", 43, 1],
      ["svc#3", 43, 1],
    ]);
  });

  it("rolls back, last replaced first, when a replica fails more of its calls than allowed", async () => {
    const world = target((label) => (label === "svc#2" ? { calls: 40, faults: 10 } : { calls: 40 }));
    const result = await rollout(world.target, fast);
    expect(result.outcome).toBe("rolled back");
    // Judged as soon as the evidence is in, not at the end of the bake.
    expect(result.reason).toMatch(/^svc#2 failed 10 of the 43 calls it served in its first 0(\.[0-2])? s \(23\.3 % server faults, more than 5 %; replica, next release\)$/);
    expect(world.replaced).toEqual(["svc→next", "svc#2→next", "svc#2→previous", "svc→previous"]);
    expect(["svc", "svc#2", "svc#3"].map(world.releaseOf)).toEqual(["previous", "previous", "previous"]);
  });

  it("rolls the canary back when it does not start, and touches no other process", async () => {
    const world = target(() => ({ startFails: true }));
    const result = await rollout(world.target, fast);
    expect(result).toMatchObject({ outcome: "rolled back", reason: "svc did not start on the next release: svc exited with 1 during start-up; its last output: CHAOS_X must be a number" });
    expect(world.replaced).toEqual(["svc→next", "svc→previous"]);
  });

  it("rolls back a canary that stops being ready in its bake", async () => {
    const world = target(() => ({ calls: 40, unreadyAfterMs: 100 }));
    const result = await rollout(world.target, fast);
    expect(result.outcome).toBe("rolled back");
    expect(result.reason).toMatch(/^svc stopped being ready 0\.\d s after it started \(canary, next release\)$/);
    expect(world.replaced).toEqual(["svc→next", "svc→previous"]);
  });

  it("judges a process that served too few calls by its readiness alone", async () => {
    const world = target(() => ({ calls: 4, faults: 4 }));
    expect((await rollout(world.target, { ...fast, minCallsToJudge: 10 })).outcome).toBe("rolled out");
  });

  it("counts as server faults exactly the codes the error-budget alerts count", () => {
    const rules = parse(fs.readFileSync(`${repoRoot}/observability/prometheus/alerts.yml`, "utf8")) as { groups: Array<{ rules: Array<{ expr: string }> }> };
    const counted = rules.groups.flatMap((group) => group.rules).flatMap((rule) => [...rule.expr.matchAll(/chaos_server_calls_total\{code=~"([^"]*)"\}/g)].map((m) => m[1]));
    expect(counted.length).toBeGreaterThan(0);
    expect(new Set(counted)).toEqual(new Set([serverFaultCodes.join("|")]));
  });
});
