/** Writes the files derived from the service manifests (see render.ts); part of `npm run generate`. */
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../infra/config.js";
import { renderSystemFiles } from "./render.js";

for (const [file, content] of Object.entries(await renderSystemFiles())) {
  fs.writeFileSync(path.join(repoRoot, file), content);
  console.log(`wrote ${file}`);
}
