import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./config.js";

/** Services that own no database: the gateway keeps only rate-limit state in Redis; echo is the mesh's test service. */
const statelessServices = new Set(["gateway", "echo"]);

/**
 * The services of the system: one per contract domain under proto/chaos/.
 * The contracts are the single list, so a new domain gets its database by
 * existing.
 */
export function serviceNames(): string[] {
  return fs
    .readdirSync(path.join(repoRoot, "proto", "chaos"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** The services that own a PostgreSQL database. */
export function statefulServiceNames(): string[] {
  return serviceNames().filter((name) => !statelessServices.has(name));
}
