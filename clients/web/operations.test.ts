/**
 * The Operations page end to end, and the traces behind it: the services
 * export their spans to a real Jaeger and Prometheus scrapes them; a player
 * casts a fireball in a real browser, an admin opens the Operations page and
 * sees the world's charts, the alerts, and that cast as one trace from the
 * gateway through combat and player, on through Kafka into progression.
 * Screenshots are kept in test-results/.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { startJaeger, type RunningJaeger } from "../../scripts/infra/jaeger.js";
import { registryTargets, startPrometheus, type RunningPrometheus } from "../../scripts/infra/prometheus.js";
import { freePort } from "../../scripts/test/stack.js";
import { createCharacter, desktop, keepScreenshot, logInAgain, useConsole } from "./test/console-harness.js";

vi.setConfig({ expect: { poll: { timeout: 10_000 } } });

// The tools' ports are fixed before anything starts: the services are told where to send spans, and the console
// server where to read, before the tools listen.
const jaegerPorts = { ui: await freePort(), otlp: await freePort(), queryGrpc: await freePort(), health: await freePort() };
const prometheusPort = await freePort();
const toolsDir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-operations-"));
let jaeger: Promise<RunningJaeger>;
let prometheus: RunningPrometheus | undefined;
// Registered before the stack's hooks: Jaeger starts (on a new machine it builds first, for minutes) while the
// stack starts. Spans sent before it listens are dropped, never waited for; the tests wait for it.
beforeAll(() => {
  jaeger = startJaeger(jaegerPorts, path.join(toolsDir, "jaeger"));
  jaeger.catch(() => undefined);
});
// Registered before the stack's: after-hooks run last-registered first, so the tools stop after the services.
afterAll(async () => {
  await prometheus?.stop();
  await (await jaeger.catch(() => undefined))?.stop();
  fs.rmSync(toolsDir, { recursive: true, force: true });
});

const harness = await useConsole(["identity", "player", "combat", "inventory", "progression", "analytics", "gateway"], {
  env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${jaegerPorts.otlp}` },
  tools: { prometheusUrl: `http://127.0.0.1:${prometheusPort}`, jaegerUrl: `http://127.0.0.1:${jaegerPorts.ui}` },
});
const { stack, inPages, signUp } = harness;

beforeAll(async () => {
  prometheus = await startPrometheus({ port: prometheusPort, dir: path.join(toolsDir, "prometheus"), targets: registryTargets(stack.registryFile), intervalSeconds: 1 });
}, 60_000);

/** A span as Jaeger's HTTP API returns it, with its process's service name. */
interface TracedSpan {
  readonly spanId: string;
  readonly parentId: string | undefined;
  readonly operation: string;
  readonly service: string;
  readonly kind: string | undefined;
}

/** The spans Jaeger holds for `traceId`. */
async function traceOf(traceId: string): Promise<TracedSpan[]> {
  const { url } = await jaeger;
  const response = await fetch(`${url}/api/traces/${traceId}`);
  expect(response.status).toBe(200);
  const { data } = (await response.json()) as { data: Array<{ spans: any[]; processes: Record<string, { serviceName: string }> }> };
  return data.flatMap((trace) =>
    trace.spans.map((span) => ({
      spanId: span.spanID as string,
      parentId: (span.references as Array<{ refType: string; spanID: string }>).find((r) => r.refType === "CHILD_OF")?.spanID,
      operation: span.operationName as string,
      service: trace.processes[span.processID]!.serviceName,
      kind: (span.tags as Array<{ key: string; value: string }>).find((tag) => tag.key === "span.kind")?.value,
    })),
  );
}

it("shows an admin the world's charts, its alerts, and a fireball's trace from the gateway through Kafka to progression", async () => {
  await jaeger;
  await inPages(
    [desktop],
    async ([page]) => {
      const suffix = randomBytes(3).toString("hex");
      const email = `operator-${suffix}@example.com`;
      await signUp(page!, email);
      expect(await page!.getByTestId("operations-view").count()).toBe(0);
      await createCharacter(page!, `Watch${suffix}`, "Mage");
      await expect.poll(() => page!.getByTestId("target").filter({ hasText: "Training Dummy" }).count()).toBeGreaterThanOrEqual(1);
      await page!.getByTestId("target").filter({ hasText: "Training Dummy" }).first().getByRole("button").click();
      await page!.getByTestId("spell-fireball").click();
      await page!.getByTestId("cast-result").filter({ hasText: "damage" }).waitFor();

      await stack.operator.client(IdentityInternalService, "identity").setAccountRoles({ account: { case: "email", value: email }, roles: [Role.ADMIN], reason: "e2e: operator" });
      await logInAgain(page!, email);
      const view = page!.getByTestId("operations-view");
      await view.waitFor();

      // Charts from Prometheus: the calls just made, by service, and the starting purse's gold as minted.
      const chart = (title: string) => page!.getByTestId("operations-chart").and(page!.locator(`[data-title="${title}"]`));
      const refreshed = async (title: string, attribute: string) => {
        await page!.getByTestId("operations-refresh").click();
        return (await chart(title).getAttribute(attribute)) ?? "";
      };
      await expect.poll(async () => (await refreshed("Calls per minute by service", "data-lines")).split(","), { timeout: 30_000 }).toEqual(expect.arrayContaining(["combat", "gateway", "identity", "player"]));
      expect(await chart("Calls per minute by service").getAttribute("data-state")).toBe("drawn");
      await expect.poll(() => refreshed("Gold minted and sunk", "data-lines"), { timeout: 30_000 }).toContain("minted");
      expect(await chart("Calls per minute by service").locator("canvas").count()).toBeGreaterThanOrEqual(1);
      // The alerts are Prometheus's own evaluation of the rules: the console also calls services this stack does
      // not run (guild, chat, trading…), so the gateway fails a share of its calls, and its error-budget alert is
      // pending (or firing) for the gateway.
      await expect.poll(async () => {
        await page!.getByTestId("operations-refresh").click();
        return page!.getByTestId("operations-alert").filter({ hasText: "ErrorBudgetBurn" }).filter({ hasText: "gateway" }).count();
      }, { timeout: 60_000 }).toBeGreaterThanOrEqual(1);

      // The cast in the list of recent calls, opened as a waterfall; progression's effect arrives once the event
      // has gone through Kafka (spans leave each service every 5 s).
      await page!.getByTestId("trace-operation").fill("chaos.combat.v1.CombatService/CastSpell");
      const castCall = page!.getByTestId("trace-open").and(page!.locator('[data-operation="chaos.combat.v1.CombatService/CastSpell"]'));
      await expect.poll(async () => {
        await page!.getByTestId("trace-operation").press("Enter");
        return castCall.count();
      }, { timeout: 30_000 }).toBe(1);
      const traceId = (await castCall.getAttribute("data-trace-id"))!;
      await expect.poll(async () => {
        await castCall.click();
        return (await page!.getByTestId("trace-waterfall").getAttribute("data-services"))?.split(",").sort();
      }, { timeout: 30_000 }).toEqual(expect.arrayContaining(["combat", "gateway", "player", "progression"]));
      expect(await page!.getByTestId("trace-span").and(page!.locator('[data-service="progression"][data-kind="consumer"]')).count()).toBeGreaterThanOrEqual(1);
      expect(await page!.getByTestId("trace-span").and(page!.locator('[data-service="combat"][data-kind="producer"]')).count()).toBeGreaterThanOrEqual(1);
      await page!.getByTestId("trace-waterfall").scrollIntoViewIfNeeded();
      await keepScreenshot(page!, "operations-page");

      // The same trace from Jaeger's API, as one tree: a single root (the gateway's edge span), every other span's
      // parent in the trace, and progression's effect the child of combat's publish, itself under the edge call.
      const spans = await traceOf(traceId);
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const roots = spans.filter((s) => !byId.has(s.parentId ?? ""));
      expect(roots.map((r) => `${r.service} ${r.kind} ${r.operation}`)).toEqual(["gateway server chaos.combat.v1.CombatService/CastSpell"]);
      const ancestors = (span: TracedSpan): TracedSpan[] => (span.parentId !== undefined && byId.has(span.parentId) ? [byId.get(span.parentId)!, ...ancestors(byId.get(span.parentId)!)] : []);
      const effect = spans.find((s) => s.service === "progression" && s.kind === "consumer" && s.operation.startsWith("process "))!;
      const publish = byId.get(effect.parentId!)!;
      expect(`${publish.service} ${publish.kind}`).toBe("combat producer");
      expect(publish.operation).toBe(effect.operation.replace(/^process /, "publish "));
      expect(ancestors(publish).map((s) => s.service)).toContain("gateway");
      const hit = spans.find((s) => s.service === "player" && s.kind === "server" && s.operation === "chaos.player.v1.PlayerInternalService/ApplyDamage");
      expect(hit, JSON.stringify(spans, null, 1)).toBeDefined();
      expect(ancestors(hit!).map((s) => s.service)).toEqual(expect.arrayContaining(["combat", "gateway"]));
    },
    "operations-failure",
  );
}, 1_800_000);

it("refuses what the /ops/ proxy does not forward, with a reason, and forwards nothing else of the tools", async () => {
  const get = async (pathAndQuery: string, method = "GET") => {
    const response = await fetch(`${harness.url}${pathAndQuery}`, { method });
    return { status: response.status, body: await response.text() };
  };
  expect(await get("/ops/metrics/query_range?start=1&end=2&step=1")).toMatchObject({ status: 400, body: expect.stringContaining("query must be a PromQL expression") });
  expect(await get(`/ops/metrics/query_range?query=up&start=0&end=${10_000_000}&step=1`)).toMatchObject({ status: 400, body: expect.stringContaining("at most 1000 points") });
  expect(await get("/ops/traces?service=../admin")).toMatchObject({ status: 400, body: expect.stringContaining("service must be a service name") });
  expect((await get("/ops/traces/not-a-trace-id")).status).toBe(404);
  // Prometheus's admin API and Jaeger's other paths are not reachable through the console.
  expect((await get("/ops/metrics/api/v1/admin/tsdb/snapshot")).status).toBe(404);
  expect((await get("/ops/metrics/alerts", "POST")).status).toBe(405);
  const alerts = await get("/ops/metrics/alerts");
  expect(alerts.status).toBe(200);
  expect(JSON.parse(alerts.body)).toMatchObject({ status: "success" });
});
