import type { JobHandlers } from "@chaos/mesh/domain";
import type { Bank } from "./bank.js";
import type { Disbanding } from "./disbanding.js";
import type { Founding } from "./founding.js";
import type { GuildJobPayloads } from "./guild-jobs.js";
import type { Invites } from "./invites.js";

/**
 * The handlers of guild's jobs. Each is idempotent (the worker may run a job
 * twice after a crash): a settled intent or a closed invite is left as it is.
 * A settlement whose inventory call is still unanswered throws, so the
 * worker runs it again with backoff, for as long as it takes.
 */
export function createGuildJobHandlers(flows: { founding: Founding; bank: Bank; disbanding: Disbanding; invites: Invites }): JobHandlers<GuildJobPayloads> {
  return {
    settle_founding: ({ guildId }) => flows.founding.settle(guildId),
    settle_transfer: ({ transferId }) => flows.bank.settle(transferId),
    settle_disband: ({ guildId }) => flows.disbanding.settle(guildId),
    expire_invite: ({ inviteId }) => flows.invites.expire(inviteId),
  };
}
