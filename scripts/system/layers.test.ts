import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../infra/config.js";
import { servicesDir } from "../infra/services.js";

/** Packages that talk to a server or carry a transport: core code must not load them. */
const drivers = ["pg", "ioredis", "kafkajs", "@grpc/grpc-js", "@connectrpc/connect-node"];

/** The bare packages a module and everything it imports (inside the repo) load at run time. */
async function packagesLoadedBy(entry: string): Promise<Set<string>> {
  const result = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, platform: "node", format: "esm", packages: "external", logLevel: "silent" });
  const loaded = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) for (const imported of input.imports) if (imported.external) loaded.add(packageOf(imported.path));
  return loaded;
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Every .ts file under `dir`, tests included when asked. */
function sources(dir: string, tests: boolean): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((entry) => {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) return [];
    const file = path.join(entry.parentPath, entry.name);
    const isTest = entry.name.endsWith(".test.ts") || entry.name === "test-support.ts" || file.split(path.sep).includes("test");
    return isTest && !tests ? [] : file.includes(`${path.sep}node_modules${path.sep}`) ? [] : [file];
  });
}

/** The runtime (not type-only) bare imports of a file. */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/^import (?!type )[^"]*?from "([^".][^"]*)";/gm)].map((m) => m[1]!).filter((s) => !s.startsWith("node:"));
}

const services = fs.readdirSync(servicesDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe("the mesh's layers", () => {
  it("@chaos/mesh/domain loads no driver or transport, so core code that uses it loads none", async () => {
    const loaded = await packagesLoadedBy(path.join(repoRoot, "mesh/src/domain/index.ts"));
    expect([...loaded].filter((p) => drivers.includes(p) || p === "@connectrpc/connect")).toEqual([]);
  });

  it("the other layers do load what they are for (the check above can fail)", async () => {
    expect(await packagesLoadedBy(path.join(repoRoot, "mesh/src/events/index.ts"))).toContain("kafkajs");
    expect(await packagesLoadedBy(path.join(repoRoot, "mesh/src/server/index.ts"))).toContain("pg");
  });

  it("services' core code imports the mesh only through @chaos/mesh/domain, and no driver", () => {
    const offending: string[] = [];
    for (const service of services) {
      const core = path.join(servicesDir, service, "core");
      if (!fs.existsSync(core)) continue;
      for (const file of sources(core, false)) {
        const text = fs.readFileSync(file, "utf8");
        for (const [, specifier] of text.matchAll(/from "([^".][^"]*)"/g)) {
          const bad = (specifier!.startsWith("@chaos/mesh") && specifier !== "@chaos/mesh/domain") || drivers.includes(packageOf(specifier!));
          if (bad) offending.push(`${path.relative(repoRoot, file)}: ${specifier}`);
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it("every package a service's code loads is declared in that service's package.json", () => {
    const undeclared: string[] = [];
    for (const service of services) {
      const manifest = JSON.parse(fs.readFileSync(path.join(servicesDir, service, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
      const declared = new Set(Object.keys(manifest.dependencies ?? {}));
      for (const file of sources(path.join(servicesDir, service), false)) {
        for (const specifier of runtimeImports(file)) {
          if (!declared.has(packageOf(specifier))) undeclared.push(`${service}: ${packageOf(specifier)} (${path.relative(servicesDir, file)})`);
        }
      }
    }
    expect([...new Set(undeclared)]).toEqual([]);
  });
});
