import fs from "node:fs";
import path from "node:path";

/** The YAML files under `dir` (relative, "/"-separated, sorted): all of istio/'s are generated; its README is not. */
export function generatedFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".yaml"))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}
