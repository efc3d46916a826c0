import { describe, expect, it } from "vitest";
import { passwordWeakness } from "./password-policy.js";

const email = "ann.smith@example.com";

describe("passwordWeakness", () => {
  it.each([
    ["correct horse battery staple", "a long passphrase of lower-case words"],
    ["Ember plains at dawn 7", "mixed classes"],
    ["zqxjvkwpmtrbnhgd", "16 lower-case letters: long enough on length alone"],
    ["Dragonfly-Meadow-42", "a common stem inside a longer word"],
  ])("accepts %j (%s)", (password) => {
    expect(passwordWeakness(password, email)).toBeUndefined();
  });

  it.each([
    ["Sh0rt!pass", "min_length"],
    ["abcdefghijkl", "character_variety"],
    ["123456789012345", "character_variety"],
    ["ABCDEFGHIJKLMNO", "character_variety"],
    ["ann.smith@example.com!", "contains_email"],
    ["I am Ann.Smith 2024", "contains_email"],
    ["Password1234!", "common_password"],
    ["P@ssw0rd2024", "common_password"],
    ["Qwertyuiop123", "common_password"],
    ["ChaosWorld2026!", "common_password"],
  ])("refuses %j (%s)", (password, rule) => {
    expect(passwordWeakness(password, email)).toBe(rule);
  });

  it("counts characters, not UTF-16 units, and ignores a local part too short to mean anything", () => {
    expect(passwordWeakness("ééééé1ééééé", email)).toBe("min_length");
    expect(passwordWeakness("bob likes long walks 3", "bob@example.com")).toBeUndefined();
  });
});
