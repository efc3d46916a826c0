import { isStateless, loadManifests, type AnyServiceManifest } from "@chaos/mesh";
import { servicesDir } from "../system/render.js";

/** Every service of the system, from its manifest (services/<name>/service.ts), by name. */
export function serviceManifests(): Promise<AnyServiceManifest[]> {
  return loadManifests(servicesDir);
}

/** The services whose manifest declares a PostgreSQL database of their own. */
export async function statefulServiceNames(): Promise<string[]> {
  return (await serviceManifests()).filter((manifest) => !isStateless(manifest)).map((manifest) => manifest.name);
}
