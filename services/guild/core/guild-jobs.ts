/**
 * The durable work guild leaves for later, as jobs of the mesh's queue
 * (rows in guild's own database, enqueued in the transaction that records
 * the intent, so a job exists exactly when its intent does):
 *
 * - settle_founding, settle_transfer, settle_disband: finish a gold movement
 *   whose call to inventory may not have been answered (a crash, a timeout,
 *   inventory down). Each asks again with the same idempotency key until the
 *   outcome is known, then finalizes; for an intent already settled by the
 *   call that recorded it, the job finds nothing to do.
 * - expire_invite: a durable timer at the invite's expiry.
 */
export interface GuildJobPayloads {
  settle_founding: { guildId: string };
  settle_transfer: { transferId: string };
  settle_disband: { guildId: string };
  expire_invite: { inviteId: string };
}

/** A job request of one of guild's kinds. */
export type GuildJob = {
  [K in keyof GuildJobPayloads]: { readonly key: string; readonly kind: K; readonly payload: GuildJobPayloads[K]; readonly dueAt?: Date };
}[keyof GuildJobPayloads];

export function settleFoundingJob(guildId: string, dueAt: Date): GuildJob {
  return { key: `settle_founding:${guildId}`, kind: "settle_founding", payload: { guildId }, dueAt };
}

export function settleTransferJob(transferId: string, dueAt: Date): GuildJob {
  return { key: `settle_transfer:${transferId}`, kind: "settle_transfer", payload: { transferId }, dueAt };
}

export function settleDisbandJob(guildId: string, dueAt: Date): GuildJob {
  return { key: `settle_disband:${guildId}`, kind: "settle_disband", payload: { guildId }, dueAt };
}

export function expireInviteJob(inviteId: string, dueAt: Date): GuildJob {
  return { key: `expire_invite:${inviteId}`, kind: "expire_invite", payload: { inviteId }, dueAt };
}
