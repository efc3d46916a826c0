import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "@chaos/mesh";
import { repoRoot } from "../infra/config.js";
import { servicesDir } from "../infra/services.js";
import { renderSystemFiles } from "./render.js";

describe("the files derived from the service manifests", () => {
  it("are what the manifests generate (run `npm run generate` after editing a services/<name>/service.ts)", async () => {
    for (const [file, content] of Object.entries(await renderSystemFiles())) {
      expect(fs.readFileSync(path.join(repoRoot, file), "utf8"), file).toBe(content);
    }
  });

  it("cover every service folder: each has a manifest and a one-line main.ts that runs it (or is a foreign workload's program)", async () => {
    const folders = fs.readdirSync(servicesDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect((await loadManifests(servicesDir)).map((m) => m.name)).toEqual(folders);
    for (const manifest of await loadManifests(servicesDir)) {
      const folder = manifest.name;
      // A foreign workload is a program of its own (defineForeignWorkload): no main.ts, its sources where it says.
      if (manifest.foreign !== undefined) {
        expect(fs.existsSync(path.join(servicesDir, folder, "main.ts")), `services/${folder}/main.ts of a foreign workload`).toBe(false);
        expect(fs.existsSync(path.join(repoRoot, manifest.foreign.sourceDir)), manifest.foreign.sourceDir).toBe(true);
        continue;
      }
      const main = fs.readFileSync(path.join(servicesDir, folder, "main.ts"), "utf8");
      expect(main, `services/${folder}/main.ts`).toMatch(/^import \{ runService \} from "@chaos\/mesh[^"]*";\nimport \w+ from "\.\/service\.js";\n\nawait runService\(\w+\);\n$/);
    }
  });
});
