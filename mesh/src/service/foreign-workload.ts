import type { AnyServiceManifest, Called, Served, ServiceManifest } from "./service-manifest.js";
import type { DescService } from "@bufbuild/protobuf";

/**
 * A workload of the system that is not a Node service: its own program (a Go
 * game server), built and run as a process of its own. It is declared in
 * `services/<name>/service.ts` like every service, with the facts the rest of
 * the system derives from (name, port, what it serves and calls), so the
 * registry, the authorization policy, the SVIDs, the Kubernetes deployment,
 * `npm start` and the test stacks include it without a second list. What it
 * does inside is its own program's business: it must speak the mesh's
 * protocol (mTLS with its SVID, the policy enforced on its own methods, the
 * ready line, /healthz and /readyz on its admin port).
 */
export interface ForeignWorkloadDeclaration {
  /** As ServiceManifest.name: SPIFFE service account, process and Kubernetes names. */
  readonly name: string;
  readonly description: string;
  /** As ServiceManifest.port: internal face; admin +200. It has no edge face. */
  readonly port: number;
  /** Its own domain's internal services: never public (the gateway forwards Node services only). */
  readonly serves: readonly Pick<Served, "service" | "operatorMethods">[];
  /** The methods it calls; the policy allows exactly these. Default none. */
  readonly calls?: readonly Called[];
  /** How its program is built and run. */
  readonly process: ForeignProcess;
}

/** How a foreign workload's program is built and started, locally and in the cluster. */
export interface ForeignProcess {
  /** The program's source directory, relative to the repository root (where `build` runs). */
  readonly sourceDir: string;
  /**
   * The command (argv) that builds the program from the sources, run in
   * `sourceDir` once per `npm start` or test process before the first start
   * (the language's own build cache makes it quick when nothing changed). The
   * argument "{output}" is replaced by the absolute path to write: a fresh
   * file moved onto `executable` afterwards, so a build never writes over a
   * program another test process is running.
   */
  readonly build: readonly string[];
  /** The built program, relative to the repository root; started there with no arguments and the mesh's environment. */
  readonly executable: string;
  /** The image of its Kubernetes Deployment, whose entrypoint is the program. */
  readonly image: string;
}

/**
 * Declares a foreign workload. The result is a manifest like any other, so
 * everything derived from the manifests covers it; its `foreign` field says
 * how it runs, and runService refuses it (its `wire` is never called).
 */
export function defineForeignWorkload(declaration: ForeignWorkloadDeclaration): ServiceManifest<undefined> {
  const { process, ...facts } = declaration;
  return {
    ...facts,
    foreign: process,
    wire() {
      throw new Error(`${declaration.name} is a foreign workload (${process.executable}); runService cannot run it`);
    },
  };
}

/**
 * What a foreign workload may not declare: everything the Node runtime opens
 * or serves for a manifest (a database, topics, keys, an edge face, public
 * APIs, token verification), since no runtime of ours would honour it.
 * Empty for a Node service.
 */
export function foreignWorkloadProblems(manifest: AnyServiceManifest): string[] {
  if (manifest.foreign === undefined) return [];
  const declared: Array<[string, boolean]> = [
    ["state", manifest.state !== undefined],
    ["publishes", (manifest.publishes ?? []).length > 0],
    ["consumes", (manifest.consumes ?? []).length > 0],
    ["secrets", (manifest.secrets ?? []).length > 0],
    ["edge", manifest.edge !== undefined],
    ["webhooks", manifest.webhooks !== undefined],
    ["forwardsPublicApis", manifest.forwardsPublicApis === true],
    ["verifiesEndUserTokens", manifest.verifiesEndUserTokens === true],
    ["a public service", manifest.serves.some((served) => served.public !== undefined)],
    ["settings", manifest.settings !== undefined],
    ["limits", manifest.limits !== undefined],
  ];
  return declared.filter(([, present]) => present).map(([what]) => `${manifest.name} is a foreign workload and may not declare ${what}`);
}
