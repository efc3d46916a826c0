import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { repoRoot } from "../infra/config.js";

/**
 * A Node service as one ES module, built by esbuild from `services/<name>/main.ts`: its TypeScript, the
 * workspace packages (@chaos/mesh, @chaos/gen) and its npm packages in one file. A service started under
 * tsx spent about 1.5 s of CPU loading (tsx's hooks see every module, node_modules too) and 0.85 s with
 * its npm packages left to Node's resolution; as one file, 0.4 s. `npm start`, the tests and the
 * benchmarks start hundreds of processes.
 *
 * Built again only when an input changed (the inputs' sizes and times, from esbuild's metafile), so an
 * edit shows at the next start. Kept under the repository (`.chaos/build/`); with a source map, so
 * stack traces name the TypeScript.
 */
export function serviceBundle(name: string): Promise<string> {
  // One build per bundle at a time in this process: replicas of a service start together, and two builds
  // renaming the same partial file made the second fail (ENOENT) when the bundle was stale.
  let building = builds.get(name);
  if (building === undefined) {
    building = buildIfStale(name).finally(() => builds.delete(name));
    builds.set(name, building);
  }
  return building;
}

const builds = new Map<string, Promise<string>>();

async function buildIfStale(name: string): Promise<string> {
  const bundle = path.join(buildDir, `${name}.mjs`);
  const inputsFile = `${bundle}.inputs.json`;
  if (isCurrent(inputsFile)) return bundle;
  fs.mkdirSync(buildDir, { recursive: true });
  // Written beside and renamed, so a process starting the previous bundle, or another worker (process) building the same one, never sees half a file.
  const partial = `${bundle}.${process.pid}.tmp.mjs`;
  const result = await esbuild.build({
    entryPoints: [path.join(repoRoot, "services", name, "main.ts")],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "silent",
    // npm packages bundled too: Node then resolves and reads one file instead of hundreds (a start's load
    // went from 0.85 s to 0.4 s of CPU). Their CommonJS may require Node's own modules at run time.
    banner: { js: 'import { createRequire as createRequireOfBundle } from "node:module"; const require = createRequireOfBundle(import.meta.url);' },
    plugins: [moduleUrlsKept],
  });
  const map = `${partial}.map`;
  // The map is named after the file it was written as; the bundle's last line points at it.
  fs.writeFileSync(partial, fs.readFileSync(partial, "utf8").replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${path.basename(bundle)}.map`));
  fs.renameSync(map, `${bundle}.map`);
  fs.renameSync(partial, bundle);
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(input));
  fs.writeFileSync(inputsFile, JSON.stringify({ recipe, inputs: Object.fromEntries(inputs.map((input) => [input, stamp(input)])) }));
  return bundle;
}

/** Where the bundles live: inside the repository, so anything a package still requires at run time resolves to its node_modules. */
const buildDir = path.join(repoRoot, ".chaos", "build");

/** Changes when the build's options do, so bundles of an older recipe are made again. */
const recipe = 3;

function stamp(file: string): string {
  const stat = fs.statSync(file);
  return `${stat.size}:${stat.mtimeMs}`;
}

function isCurrent(inputsFile: string): boolean {
  try {
    const built = JSON.parse(fs.readFileSync(inputsFile, "utf8")) as { recipe: number; inputs: Record<string, string> };
    return built.recipe === recipe && Object.entries(built.inputs).every(([input, was]) => stamp(input) === was);
  } catch {
    // not built yet, or an input is gone
    return false;
  }
}

/**
 * `import.meta.url` keeps meaning the source file's URL: services find their migrations and catalogues
 * beside their code (`new URL("./migrations", import.meta.url)`), which one bundle would otherwise move.
 */
const moduleUrlsKept: esbuild.Plugin = {
  name: "module-urls-kept",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, "utf8");
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
    });
  },
};
