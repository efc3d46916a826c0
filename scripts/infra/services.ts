import { isStateless, loadManifest, loadManifests, type AnyServiceManifest } from "@chaos/mesh";
import { servicesDir } from "../system/render.js";

/** Every service of the system, from its manifest (services/<name>/service.ts), by name. */
export function serviceManifests(): Promise<AnyServiceManifest[]> {
  return loadManifests(servicesDir);
}

/** The services whose manifest declares a PostgreSQL database of their own. */
export async function statefulServiceNames(): Promise<string[]> {
  return (await serviceManifests()).filter((manifest) => !isStateless(manifest)).map((manifest) => manifest.name);
}

/** One service's manifest, without loading the others (a test stack starts a few of them). */
export function serviceManifest(name: string): Promise<AnyServiceManifest> {
  return loadManifest(servicesDir, name);
}
