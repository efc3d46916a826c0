/**
 * Replicas for `npm start`: CHAOS_REPLICAS="combat=2,player=2" runs those
 * services as several processes each (default one). Replica k (from 2) listens
 * on the registry's ports plus 1000·(k−1); callers find every replica's
 * internal face in a registry written for the run and balance over them
 * (mesh/src/client/discovery.ts), and each replica reads a registry of its
 * own where its entry is its own ports.
 */
import fs from "node:fs";
import path from "node:path";
import type { ScrapeTarget } from "../infra/prometheus.js";

/** Where replica k (2, 3, …) of a service listens: the first's ports plus this times k−1. */
export const replicaPortStride = 1_000;

/** The replica count per service that `spec` asks for; refuses unknown services and counts that are not 1 to 9. */
export function parseReplicas(spec: string | undefined, services: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const part of (spec ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(part);
    if (match === null) throw new Error(`CHAOS_REPLICAS: "${part}" is not <service>=<count> (e.g. CHAOS_REPLICAS=combat=2,player=2)`);
    const [, service, count] = match;
    if (!services.includes(service!)) throw new Error(`CHAOS_REPLICAS: there is no service "${service}" (services: ${services.join(", ")})`);
    const n = Number(count);
    if (n < 1 || n > 9) throw new Error(`CHAOS_REPLICAS: ${service} may run 1 to 9 replicas, not ${n}`);
    counts[service!] = n;
  }
  return counts;
}

/** The processes of a world: "<service>" for each service's first, "<service>#<k>" for more replicas. */
export function processLabels(services: readonly string[], replicas: Readonly<Record<string, number>>): string[] {
  return services.flatMap((service) => Array.from({ length: replicas[service] ?? 1 }, (_, i) => (i === 0 ? service : `${service}#${i + 1}`)));
}

type Entry = Record<string, string>;

/**
 * Writes, into `dir`, the registry the callers read (every replica's internal
 * face, comma-separated) and one per process of a replicated service; returns
 * the file each process label reads and the admin faces to scrape.
 */
export function writeReplicaRegistries(baseRegistryFile: string, replicas: Readonly<Record<string, number>>, dir: string): { registryOf: (label: string) => string; targets: ScrapeTarget[] } {
  const base = (JSON.parse(fs.readFileSync(baseRegistryFile, "utf8")) as { services: Record<string, Entry> }).services;
  const shifted = (address: string, k: number) => {
    const at = address.lastIndexOf(":");
    return `${address.slice(0, at)}:${Number(address.slice(at + 1)) + replicaPortStride * (k - 1)}`;
  };
  const entryOf = (service: string, k: number): Entry => Object.fromEntries(Object.entries(base[service]!).map(([face, address]) => [face, shifted(address, k)]));
  const callers: Record<string, Entry> = {};
  const targets: ScrapeTarget[] = [];
  for (const [service, entry] of Object.entries(base)) {
    const count = replicas[service] ?? 1;
    const all = Array.from({ length: count }, (_, i) => entryOf(service, i + 1));
    callers[service] = { ...entry, internal: all.map((e) => e.internal!).join(",") };
    for (const e of all) if (e.admin !== undefined) targets.push({ service, address: e.admin });
  }
  fs.mkdirSync(dir, { recursive: true });
  const callersFile = path.join(dir, "registry.json");
  fs.writeFileSync(callersFile, `${JSON.stringify({ services: callers }, null, 2)}\n`);
  const own = new Map<string, string>();
  for (const [service, count] of Object.entries(replicas)) {
    if (count < 2) continue;
    for (let k = 1; k <= count; k++) {
      const label = k === 1 ? service : `${service}#${k}`;
      const file = path.join(dir, `registry-${service}-${k}.json`);
      fs.writeFileSync(file, `${JSON.stringify({ services: { ...callers, [service]: entryOf(service, k) } }, null, 2)}\n`);
      own.set(label, file);
    }
  }
  return { registryOf: (label) => own.get(label) ?? callersFile, targets };
}
