import { integerSetting } from "@chaos/mesh/server";

/** The chat service's settings, read from the environment at start-up. */
export interface ChatConfig {
  /** Longest message, in characters (code points). CHAOS_CHAT_MAX_MESSAGE_LENGTH, default 500 (the contract's cap is 4000). */
  readonly maxMessageLength: number;
  /** Messages a player may post per minute, across their characters and chat's replicas. CHAOS_CHAT_POSTS_PER_MINUTE, default 30. */
  readonly postsPerMinute: number;
  /** Messages a player may post at once before the per-minute pace applies (the burst cap). CHAOS_CHAT_POST_BURST, default 5. */
  readonly postBurst: number;
  /** A player posting the same text again within this many seconds is refused DUPLICATE_MESSAGE. CHAOS_CHAT_DUPLICATE_WINDOW_SECONDS, default 30; 0 turns it off. */
  readonly duplicateWindowSeconds: number;
  /** Words masked by the default word filter, comma separated, matched whole and ignoring case. CHAOS_CHAT_BLOCKED_WORDS, default a short list. */
  readonly blockedWords: readonly string[];
  /** Members a party may have. CHAOS_CHAT_MAX_PARTY_MEMBERS, default 5. */
  readonly maxPartyMembers: number;
  /** Characters on one friends list. CHAOS_CHAT_MAX_FRIENDS, default 200. */
  readonly maxFriends: number;
  /** StreamMessages streams one player may have open on one replica. CHAOS_CHAT_MAX_STREAMS_PER_PLAYER, default 5. */
  readonly maxStreamsPerPlayer: number;
  /** Changes a stream may fall behind by before it is ended (the client resumes by revision). CHAOS_CHAT_STREAM_QUEUE_LIMIT, default 1000. */
  readonly streamQueueLimit: number;
  /**
   * How often each replica checks its streams' channels against the database:
   * channels joined by events (a zone entered, a guild joined) show up, and a
   * change whose live notice was lost is caught up. CHAOS_CHAT_STREAM_SWEEP_MS, default 2000.
   */
  readonly streamSweepMs: number;
}

/** The default word list: a token few words; deployments configure their own. */
const defaultBlockedWords = ["damn", "crap", "idiot"];

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadChatConfig(env: NodeJS.ProcessEnv = process.env): ChatConfig {
  const words = env.CHAOS_CHAT_BLOCKED_WORDS;
  const blockedWords = words === undefined ? defaultBlockedWords : words.split(",").map((w) => w.trim().toLowerCase()).filter((w) => w !== "");
  for (const word of blockedWords) {
    if (!/^[\p{L}\p{N}'-]+$/u.test(word)) throw new Error(`CHAOS_CHAT_BLOCKED_WORDS: "${word}" is not a word (letters, digits, ' and - only)`);
  }
  return {
    maxMessageLength: integerSetting(env, "CHAOS_CHAT_MAX_MESSAGE_LENGTH", 500, 1, 4_000),
    postsPerMinute: integerSetting(env, "CHAOS_CHAT_POSTS_PER_MINUTE", 30, 1, 1_000_000),
    postBurst: integerSetting(env, "CHAOS_CHAT_POST_BURST", 5, 1, 1_000_000),
    duplicateWindowSeconds: integerSetting(env, "CHAOS_CHAT_DUPLICATE_WINDOW_SECONDS", 30, 0, 3_600),
    blockedWords,
    maxPartyMembers: integerSetting(env, "CHAOS_CHAT_MAX_PARTY_MEMBERS", 5, 2, 100),
    maxFriends: integerSetting(env, "CHAOS_CHAT_MAX_FRIENDS", 200, 1, 10_000),
    maxStreamsPerPlayer: integerSetting(env, "CHAOS_CHAT_MAX_STREAMS_PER_PLAYER", 5, 1, 10_000),
    streamQueueLimit: integerSetting(env, "CHAOS_CHAT_STREAM_QUEUE_LIMIT", 1_000, 10, 1_000_000),
    streamSweepMs: integerSetting(env, "CHAOS_CHAT_STREAM_SWEEP_MS", 2_000, 50, 60_000),
  };
}
