import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { inject, it } from "vitest";
import { ensureLocalPki } from "@chaos/mesh";
import { spawnService } from "../../../scripts/lib/service-process.js";

it("shutdown", async () => {
  const adminUrl = inject("infra").postgresAdminUrl;
  const world = `s${randomBytes(4).toString("hex")}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scratch-"));
  const pki = await ensureLocalPki(path.join(dir, "pki"), ["player", "operator", "gateway", "identity"]);
  fs.writeFileSync(path.join(dir, "registry.json"), JSON.stringify({ services: { identity: { internal: "127.0.0.1:1" }, player: { internal: "127.0.0.1:48931", admin: "127.0.0.1:48932" } } }));
  const admin = new pg.Client(adminUrl); await admin.connect(); await admin.query(`CREATE DATABASE ${world}_player`);
  const u = new URL(adminUrl); u.pathname = `/${world}_player`;
  const p = await spawnService("player", { env: { ...process.env, CHAOS_LOG_LEVEL: "debug", CHAOS_WORLD: world, CHAOS_PKI_DIR: pki.dir, CHAOS_REGISTRY: path.join(dir, "registry.json"), REDIS_URL: inject("infra").redisUrl, KAFKA_BROKERS: inject("infra").kafkaBrokers.join(","), DATABASE_URL: u.toString() } });
  const t = Date.now();
  const timer = setTimeout(() => { console.error("still alive after 20s; SIGKILL"); p.child.kill("SIGKILL"); }, 20000);
  console.error("exit", await p.stop(), Date.now() - t);
  clearTimeout(timer);
  await admin.query(`DROP DATABASE ${world}_player WITH (FORCE)`); await admin.end();
}, 60_000);
