import { describe, expect, it } from "vitest";
import { runTsxCommand } from "../test/run-command.js";

/** Runs `npx tsx scripts/infra/cli.ts <args>` as a user would, without the options of the npm run that runs this test. */
function infraCli(...args: string[]) {
  return runTsxCommand("scripts/infra/cli.ts", args, { withoutNpmNodeOptions: true });
}

describe("npm run infra", () => {
  it("reports a healthy infrastructure without warnings", async () => {
    const { code, stdout, stderr } = await infraCli("status");
    expect(stdout).toMatch(/^kafka\s+up/m);
    expect(stdout).toMatch(/^mailpit\s+up\s+smtp 127\.0\.0\.1:\d+, web http:\/\/127\.0\.0\.1:\d+/m);
    expect(code).toBe(0);
    expect(stderr).not.toContain("TimeoutNegativeWarning");
    expect(stderr.trim()).toBe("");
  });
});
