import { describe, expect, it } from "vitest";
import { DomainError } from "@chaos/mesh/domain";
import { createWordListFilter } from "./word-filter.js";

describe("the word-list filter", () => {
  const filter = createWordListFilter(["darn", "heck"]);

  it("masks listed words whole, ignoring case, keeping their length", () => {
    expect(filter.apply("Darn it, what the HECK")).toBe("**** it, what the ****");
  });

  it("leaves words that only contain a listed word alone", () => {
    expect(filter.apply("darned checkers")).toBe("darned checkers");
  });

  it("refuses instead of masking when told to", () => {
    const strict = createWordListFilter(["darn"], "refuse");
    expect(() => strict.apply("oh darn")).toThrow(DomainError);
    expect(strict.apply("oh dear")).toBe("oh dear");
  });
});
