import path from "node:path";
import { isStateless, loadManifest, loadManifests, type AnyServiceManifest } from "@chaos/mesh";
import { repoRoot } from "./config.js";

/** Where the manifests are: services/<name>/service.ts. */
export const servicesDir = path.join(repoRoot, "services");

let manifests: Promise<AnyServiceManifest[]> | undefined;

/**
 * Every service of the system, from its manifest, by name; loaded and
 * checked once per process (npm start, the generators and the tests' set-up
 * each ask several times).
 */
export function serviceManifests(): Promise<AnyServiceManifest[]> {
  return (manifests ??= loadManifests(servicesDir));
}

/** The services whose manifest declares a PostgreSQL database of their own. */
export async function statefulServiceNames(): Promise<string[]> {
  return (await serviceManifests()).filter((manifest) => !isStateless(manifest)).map((manifest) => manifest.name);
}

/** One service's manifest, without loading the others (a test stack starts a few of them). */
export function serviceManifest(name: string): Promise<AnyServiceManifest> {
  return loadManifest(servicesDir, name);
}
