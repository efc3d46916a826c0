import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../infra/config.js";
import { renderIstioFiles } from "./render.js";

describe("istio/", () => {
  it("is what the authorization policy source generates (run `npm run istio` after editing it)", () => {
    for (const [name, content] of Object.entries(renderIstioFiles())) {
      expect(fs.readFileSync(path.join(repoRoot, "istio", name), "utf8"), `istio/${name}`).toBe(content);
    }
  });

  it("allows exactly the policy's callers, in Istio's principal form, and denies the rest", () => {
    const yaml = renderIstioFiles()["authorization-policies.yaml"]!;
    expect(yaml).toContain("name: allow-nothing");
    expect(yaml).toMatch(/name: echo\n\s+namespace: chaos/);
    expect(yaml).toContain('principals: ["chaos.world/ns/chaos/sa/echo-client", "chaos.world/ns/chaos/sa/gateway"]');
    expect(yaml).toContain('paths: ["/chaos.echo.v1.EchoService/*"]');
  });
});
