import { describe, expect, it } from "vitest";
import { isPrivateAddress, webhookUrlProblem } from "./webhook-url.js";

describe("webhook URLs", () => {
  it("refuses what would let a player's webhook reach into the mesh's own network", () => {
    for (const url of ["https://127.0.0.1/x", "https://10.1.2.3/x", "https://169.254.169.254/latest/meta-data", "https://[::1]/x", "https://[fd00::1]/x", "https://localhost:7400/x", "https://192.168.0.10/x"]) {
      expect(webhookUrlProblem(url, false), url).toBe("must not be a private, loopback or link-local address");
    }
    expect(webhookUrlProblem("http://hooks.example.com/x", false)).toBe("must be https");
    expect(webhookUrlProblem("https://u:p@hooks.example.com/x", false)).toBe("must not carry credentials");
    expect(webhookUrlProblem("https://hooks.example.com/x#frag", false)).toBe("must not have a fragment");
    expect(webhookUrlProblem("hooks.example.com/x", false)).toBe("not an absolute URL");
    expect(webhookUrlProblem("https://hooks.example.com/chaos?team=1", false)).toBeUndefined();
  });

  it("allows loopback over http where the deployment says so (development, tests)", () => {
    expect(webhookUrlProblem("http://127.0.0.1:9000/hooks", true)).toBeUndefined();
    expect(webhookUrlProblem("ftp://127.0.0.1/hooks", true)).toBe("must be https");
  });

  it("knows private addresses of both families, and public ones", () => {
    expect(isPrivateAddress("172.16.5.4")).toBe(true);
    expect(isPrivateAddress("100.64.0.1")).toBe(true);
    expect(isPrivateAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isPrivateAddress("fe80::1")).toBe(true);
    expect(isPrivateAddress("93.184.216.34")).toBe(false);
    expect(isPrivateAddress("2606:2800:220:1:248:1893:25c8:1946")).toBe(false);
    expect(isPrivateAddress("not-an-ip")).toBe(false);
  });
});
