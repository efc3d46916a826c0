import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort, useStack } from "../test/stack.js";
import { repoRoot } from "./config.js";
import { run } from "./proc.js";
import { ensureDebianPackages } from "./debian.js";
import { alertRulesFile, registryTargets, startPrometheus } from "./prometheus.js";

const rulesTests = path.join(path.dirname(alertRulesFile), "alerts.test.yml");
const dashboardsDir = path.join(repoRoot, "observability", "grafana");
/** Every query of every panel of the Grafana dashboards, by dashboard file. */
const dashboardQueries = fs
  .readdirSync(dashboardsDir)
  .filter((file) => file.endsWith(".json"))
  .map((file) => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(dashboardsDir, file), "utf8")) as { panels: { title: string; targets: { expr: string }[] }[] };
    return { file, queries: dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, expr: target.expr }))) };
  });

beforeAll(() => ensureDebianPackages(["prometheus"], "Prometheus (metrics and alerts)"), 600_000);

describe("alert rules (observability/prometheus/alerts.yml)", () => {
  it("are valid rules (promtool check rules)", async () => {
    expect(await run("promtool", ["check", "rules", alertRulesFile])).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("fire when their unit tests say, and stay quiet when they say not (promtool test rules)", async () => {
    expect(await run("promtool", ["test", "rules", rulesTests])).toContain("SUCCESS");
  });
});

describe("dashboards (observability/grafana)", () => {
  it("chart only methods the contracts have (a misspelt method would chart zero forever)", () => {
    const methods = dashboardQueries.flatMap(({ queries }) => queries.flatMap(({ expr }) => [...expr.matchAll(/method=~?"([^"]+)"/g)].map((m) => m[1]!)));
    expect(methods.length).toBeGreaterThan(5);
    const unknown = methods.filter((method) => {
      const [, pkg, service, rpc] = /^\/(.+)\.([A-Za-z]+)\/([A-Za-z]+)$/.exec(method) ?? [];
      if (pkg === undefined) return true;
      const dir = path.join(repoRoot, "proto", ...pkg.split("."));
      const sources = fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n") : "";
      return !sources.includes(`service ${service} {`) || !sources.includes(`rpc ${rpc}(`);
    });
    expect(unknown).toEqual([]);
  });
});

describe("Prometheus against a running world (identity and player)", () => {
  const stack = useStack(["identity", "player"]);

  it("scrapes every service in the registry, loads the three levels of alert rules, and sees a killed service go down", { timeout: 90_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-prometheus-"));
    const prometheus = await startPrometheus({ port: await freePort(), dir, targets: registryTargets(stack.registryFile), intervalSeconds: 1 });
    try {
      const query = async (expr: string) => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return Object.fromEntries(body.data.result.map((r) => [r.metric.service, r.value[1]]));
      };
      await expect.poll(() => query('up{job="chaos"}'), { timeout: 30_000, interval: 500 }).toEqual({ identity: "1", player: "1" });
      // The services' own series, not only the scrape's: each process's start time, labelled by its service.
      expect(Object.keys(await query("process_start_time_seconds"))).toEqual(expect.arrayContaining(["identity", "player"]));

      const { data } = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string; labels: { severity: string } }[] }[] } };
      const severities = Object.fromEntries(data.groups.map((g) => [g.name, [...new Set(g.rules.map((r) => r.labels.severity))]]));
      expect(severities).toEqual({ "chaos-critical": ["critical"], "chaos-warning": ["warning"], "chaos-info": ["info"] });

      // Every dashboard query is one Prometheus accepts.
      for (const { file, queries } of dashboardQueries) {
        for (const { panel, expr } of queries) {
          const answer = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string; error?: string };
          expect(answer, `${file}: ${panel}`).toMatchObject({ status: "success" });
        }
      }

      await stack.processes.get("player")!.stop("SIGKILL");
      await expect.poll(() => query('up{job="chaos"}'), { timeout: 30_000, interval: 500 }).toEqual({ identity: "1", player: "0" });
      // Down for less than the rule's minute: pending, not yet firing.
      const alerts = async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
        return body.data.alerts.filter((a) => a.labels.alertname === "ServiceDown").map((a) => `${a.labels.service} ${a.state}`);
      };
      await expect.poll(alerts, { timeout: 15_000, interval: 500 }).toEqual(["player pending"]);
    } finally {
      await prometheus.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
