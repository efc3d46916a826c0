import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { decodePageToken, encodePageToken } from "./page-token.js";

const isOffset = (c: unknown): c is number => Number.isSafeInteger(c) && (c as number) >= 0;

describe("page tokens", () => {
  it("give back the cursor they were made with, and nothing for the first page", () => {
    expect(decodePageToken("board:1", encodePageToken("board:1", 40), isOffset)).toBe(40);
    expect(decodePageToken("board:1", "", isOffset)).toBeUndefined();
  });

  it("refuse a token of another listing, a cursor of the wrong shape, and garbage with INVALID_ARGUMENT", () => {
    for (const token of [encodePageToken("board:2", 40), encodePageToken("board:1", -1), encodePageToken("board:1", "40"), "not-base64-json", "e30"]) {
      const error = (() => {
        try {
          decodePageToken("board:1", token, isOffset);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    }
  });
});
