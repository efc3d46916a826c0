import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".chaos/**", "gen/**"],
    // Brings up PostgreSQL, Redis and Kafka (and the contract toolchain) once per run.
    globalSetup: ["scripts/test/global-setup.ts"],
    // Two files at a time. Vitest's default is one worker fewer than the cores, which is one on the
    // project's 2-core machines: the suite then ran file after file with the machine about a third
    // busy (user+sys 7.8 min over 11.2 min wall, 2026-12-01), since most files wait on their service
    // processes, Kafka and PostgreSQL rather than compute. Each file has its own world, ports and
    // databases, so two never see each other's state.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["verbose"],
  },
});
