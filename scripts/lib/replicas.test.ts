import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseReplicas, processLabels, writeReplicaRegistries } from "./replicas.js";

describe("npm start's replicas (CHAOS_REPLICAS)", () => {
  it("reads <service>=<count> pairs and refuses what it cannot run, naming the problem", () => {
    expect(parseReplicas("combat=2, player=3", ["combat", "player", "identity"])).toEqual({ combat: 2, player: 3 });
    expect(parseReplicas(undefined, ["combat"])).toEqual({});
    expect(() => parseReplicas("combat:2", ["combat"])).toThrow(/"combat:2" is not <service>=<count>/);
    expect(() => parseReplicas("nope=2", ["combat"])).toThrow(/no service "nope"/);
    expect(() => parseReplicas("combat=0", ["combat"])).toThrow(/1 to 9 replicas, not 0/);
    expect(processLabels(["combat", "player"], { combat: 3 })).toEqual(["combat", "combat#2", "combat#3", "player"]);
  });

  it("lists every replica's internal face for the callers, gives each replica its own ports, and scrapes them all", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-replicas-"));
    try {
      const base = path.join(dir, "base.json");
      fs.writeFileSync(base, JSON.stringify({ services: { combat: { internal: "127.0.0.1:7140", admin: "127.0.0.1:7340" }, player: { internal: "127.0.0.1:7130", admin: "127.0.0.1:7330" } } }));
      const world = writeReplicaRegistries(base, { combat: 2 }, path.join(dir, "run"));
      const read = (file: string) => (JSON.parse(fs.readFileSync(file, "utf8")) as { services: Record<string, Record<string, string>> }).services;
      expect(read(world.registryOf("player")).combat).toEqual({ internal: "127.0.0.1:7140,127.0.0.1:8140", admin: "127.0.0.1:7340" });
      expect(read(world.registryOf("combat")).combat).toEqual({ internal: "127.0.0.1:7140", admin: "127.0.0.1:7340" });
      expect(read(world.registryOf("combat#2")).combat).toEqual({ internal: "127.0.0.1:8140", admin: "127.0.0.1:8340" });
      expect(read(world.registryOf("combat#2")).player).toEqual({ internal: "127.0.0.1:7130", admin: "127.0.0.1:7330" });
      expect(world.targets).toEqual([
        { service: "combat", address: "127.0.0.1:7340" },
        { service: "combat", address: "127.0.0.1:8340" },
        { service: "player", address: "127.0.0.1:7330" },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
