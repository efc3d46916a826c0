import { integerSetting } from "@chaos/mesh/server";

/** The audit service's settings, read from the environment at start-up. */
export interface AuditConfig {
  /**
   * Hash chains per day. More chains let more appends run at once (each
   * waits only for appends to its own chain); every chain is verified on its
   * own. CHAOS_AUDIT_SHARDS, default 16.
   */
  readonly shards: number;
  /** Records one VerifyAuditChain call reads at most (it then answers `truncated`). CHAOS_AUDIT_VERIFY_MAX_RECORDS, default 200000. */
  readonly verifyMaxRecords: number;
  /** How often the chains that grew are sealed (AuditChainSealed on chaos.audit.v1.records). CHAOS_AUDIT_SEAL_SECONDS, default 60. */
  readonly sealSeconds: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  return {
    shards: integerSetting(env, "CHAOS_AUDIT_SHARDS", 16, 1, 1_024),
    verifyMaxRecords: integerSetting(env, "CHAOS_AUDIT_VERIFY_MAX_RECORDS", 200_000, 1, 10_000_000),
    sealSeconds: integerSetting(env, "CHAOS_AUDIT_SEAL_SECONDS", 60, 1, 86_400),
  };
}
