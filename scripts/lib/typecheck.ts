import path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../infra/config.js";
import { run } from "../infra/proc.js";

/** The project's TypeScript projects: the Node side (services, mesh, scripts, tests) and the browser console. */
const projects = ["tsconfig.json", "clients/web/tsconfig.json"];

/** Type-checks every project, side by side (tsc is single-threaded); rejects with tsc's report. `npm run typecheck`, and `npm test` during its set-up. */
export async function typecheck(): Promise<void> {
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  await Promise.all(projects.map((project) => run(process.execPath, [tsc, "-p", project], { cwd: repoRoot, timeoutMs: 300_000 })));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await typecheck().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
