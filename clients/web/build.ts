/**
 * Bundles the console (src/main.ts and everything it imports, generated
 * contracts included) into one ES module for browsers. Run by the console
 * server at start; `npx tsx clients/web/build.ts` builds by hand.
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

/** The console's folder (index.html, styles.css, src/). */
export const consoleDir = path.dirname(fileURLToPath(import.meta.url));

/** Options of {@link buildConsole}; every field has a documented default. */
export interface BuildOptions {
  /** Where the bundle goes. Default: clients/web/dist. */
  readonly outDir?: string;
}

/** What a build wrote. */
export interface BuildOutput {
  readonly outDir: string;
  /** File names written, relative to outDir (main.js, main.js.map). */
  readonly files: readonly string[];
}

/** Builds src/main.ts into outDir: minified ES2022, with a source map. */
export async function buildConsole(options: BuildOptions = {}): Promise<BuildOutput> {
  const outDir = options.outDir ?? path.join(consoleDir, "dist");
  const result = await esbuild.build({
    absWorkingDir: consoleDir,
    entryPoints: [path.join(consoleDir, "src", "main.ts")],
    outdir: outDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: "silent",
    tsconfig: path.join(consoleDir, "tsconfig.json"),
  });
  const files = Object.keys(result.metafile.outputs).map((file) => path.relative(outDir, path.resolve(consoleDir, file)));
  return { outDir, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { outDir, files } = await buildConsole();
  console.log(`built ${files.join(", ")} into ${outDir}`);
}
