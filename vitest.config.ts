import { configDefaults, defineConfig } from "vitest/config";

/**
 * Test files of plain functions and classes: no server, process or database,
 * no module state a file leaves behind. They share one module graph per
 * worker (isolate: false), which saves each file the fresh import of
 * protobuf, Connect and the mesh (59 such files: 31 s isolated, 18 s not,
 * 2026-12-04). A file that needs the infrastructure does not belong here.
 */
const unitFiles = ["mesh/src/*.test.ts", "mesh/src/{authz,client,dev,identity,principal,service}/**/*.test.ts", "services/*/core/**/*.test.ts", "services/*/config.test.ts"];

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, ".chaos/**", "gen/**"],
    // Two files at a time. Vitest's default is one worker fewer than the cores, which is one on the
    // project's 2-core machines: the suite then ran file after file with the machine about a third
    // busy (user+sys 7.8 min over 11.2 min wall, 2026-12-01), since most files wait on their service
    // processes, Kafka and PostgreSQL rather than compute. Each file has its own world, ports and
    // databases, so two never see each other's state.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["verbose"],
    projects: [
      {
        extends: true,
        test: { name: "unit", include: unitFiles, isolate: false },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.test.ts"],
          exclude: [...configDefaults.exclude, ".chaos/**", "gen/**", ...unitFiles],
          // Brings up PostgreSQL, Redis and Kafka (and the contract toolchain) once per run.
          globalSetup: ["scripts/test/global-setup.ts"],
        },
      },
    ],
  },
});
