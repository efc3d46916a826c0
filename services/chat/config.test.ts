import { describe, expect, it } from "vitest";
import { loadChatConfig } from "./config.js";

describe("chat settings", () => {
  it("have documented defaults", () => {
    expect(loadChatConfig({})).toMatchObject({ maxMessageLength: 500, postsPerMinute: 30, postBurst: 5, duplicateWindowSeconds: 30, maxPartyMembers: 5, maxStreamsPerPlayer: 5 });
  });

  it("read the word list, trimmed and lower case", () => {
    expect(loadChatConfig({ CHAOS_CHAT_BLOCKED_WORDS: " Darn, heck ,," }).blockedWords).toEqual(["darn", "heck"]);
  });

  it("stop start-up with a message naming the variable", () => {
    expect(() => loadChatConfig({ CHAOS_CHAT_MAX_MESSAGE_LENGTH: "5000" })).toThrow(/CHAOS_CHAT_MAX_MESSAGE_LENGTH/);
    expect(() => loadChatConfig({ CHAOS_CHAT_BLOCKED_WORDS: "ok,not a word" })).toThrow(/CHAOS_CHAT_BLOCKED_WORDS/);
  });
});
