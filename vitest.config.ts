import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".chaos/**", "gen/**"],
    // Brings up PostgreSQL, Redis and Kafka (and the contract toolchain) once per run.
    globalSetup: ["scripts/test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["verbose"],
  },
});
