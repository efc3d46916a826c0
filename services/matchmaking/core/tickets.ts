import { randomUUID } from "node:crypto";
import { ticketCancelled, ticketCreated } from "./matchmaking-events.js";
import type { MatchRecord, TicketRecord } from "./matchmaking-records.js";
import type { MatchmakingStore, MatchmakingTransaction } from "./matchmaking-store.js";
import type { QueueConfig } from "./queue-config.js";
import { ratingWindowAt } from "./rating-window.js";
import { queueOf, refuse, requireOwner } from "./refusals.js";
import { startingRating } from "./skill-rating.js";

/** What a player asks to queue with. */
export interface JoinRequest {
  readonly playerId: string;
  readonly characterId: string;
  readonly partyCharacterIds: readonly string[];
  readonly queueId: string;
  readonly region: string;
  readonly latencyMs: number;
}

/** A ticket with its window now and, once found, its match. */
export interface TicketView {
  readonly ticket: TicketRecord;
  readonly window: number;
  readonly waitSeconds: number;
  readonly match: MatchRecord | undefined;
}

export interface Tickets {
  join(request: JoinRequest): Promise<TicketRecord>;
  leave(playerId: string, ticketId: string, characterId: string): Promise<TicketRecord>;
  /** One of the player's tickets; TICKET_NOT_FOUND for anyone else's. */
  view(playerId: string, ticketId: string): Promise<TicketView>;
  characterCreated(tx: MatchmakingTransaction, c: { characterId: string; playerId: string }): Promise<void>;
  characterDeleted(tx: MatchmakingTransaction, characterId: string): Promise<void>;
}

/** The season whose ratings a queue uses now: the current season for ranked queues, 0 for the others. */
export async function ratingSeasonOf(queue: QueueConfig, reads: Pick<MatchmakingStore, "seasons">): Promise<number> {
  if (!queue.ranked) return 0;
  const [current] = await reads.seasons(1);
  return current?.number ?? 1;
}

export function createTickets(store: MatchmakingStore, settings: { queues: readonly QueueConfig[]; regions: readonly string[] }, clock: () => Date): Tickets {
  /** The ticket, when one of its characters is the player's. */
  const ownTicket = async (playerId: string, ticketId: string) => {
    const ticket = await store.ticket(ticketId);
    if (ticket === undefined) throw refuse.ticketNotFound();
    for (const characterId of ticket.characterIds) {
      const character = await store.character(characterId);
      if (character?.playerId === playerId) return ticket;
    }
    throw refuse.ticketNotFound();
  };
  return {
    async join(r) {
      const queue = queueOf(settings.queues, r.queueId);
      if (!settings.regions.includes(r.region)) throw refuse.regionNotServed(settings.regions);
      const party = [r.characterId, ...r.partyCharacterIds];
      if (new Set(party).size !== party.length || party.length > queue.teamSize) throw refuse.partyTooLarge(queue.teamSize);
      if (r.latencyMs > queue.maxLatencyMs) throw refuse.notEligible(queue.maxLatencyMs);
      await requireOwner(store, r.playerId, r.characterId);
      // Party mates must exist; each answers the ready check for themselves, so nobody plays a match they did not accept.
      for (const mate of r.partyCharacterIds) {
        const c = await store.character(mate);
        if (c === undefined || c.deleted) throw refuse.characterNotFound(mate);
      }
      const season = await ratingSeasonOf(queue, store);
      return store.transaction(async (tx) => {
        const open = await tx.openTicketOf(party);
        if (open !== undefined) throw refuse.alreadyQueued(open.ticketId, open.characterId);
        const known = new Map((await tx.ratings(queue.id, season, party)).map((k) => [k.characterId, k.rating.mu]));
        const rating = party.reduce((sum, id) => sum + (known.get(id) ?? startingRating().mu), 0) / party.length;
        const ticket: TicketRecord = {
          ticketId: randomUUID(),
          queueId: queue.id,
          characterIds: party,
          region: r.region,
          latencyMs: r.latencyMs,
          status: "searching",
          matchId: undefined,
          enqueuedAt: clock(),
          rating,
          cause: undefined,
          closedAt: undefined,
        };
        if (!(await tx.insertTicket(ticket))) {
          // Another join of one of these characters committed between our check and our insert.
          const raced = await tx.openTicketOf(party);
          throw refuse.alreadyQueued(raced?.ticketId ?? "", raced?.characterId ?? r.characterId);
        }
        await tx.publish([ticketCreated(ticket)]);
        return ticket;
      });
    },
    async leave(playerId, ticketId, characterId) {
      await requireOwner(store, playerId, characterId);
      return store.transaction(async (tx) => {
        const ticket = await tx.lockTicket(ticketId);
        if (ticket === undefined || !ticket.characterIds.includes(characterId)) throw refuse.ticketNotFound();
        if (ticket.status === "cancelled" || ticket.status === "expired") return ticket;
        if (ticket.status !== "searching") throw refuse.readyCheckClosed("the ticket has a match: decline it instead");
        const at = clock();
        await tx.updateTickets([ticketId], { status: "cancelled", cause: "left_queue", closedAt: at });
        await tx.publish([ticketCancelled(ticketId, "left_queue")]);
        return { ...ticket, status: "cancelled", cause: "left_queue", closedAt: at };
      });
    },
    async view(playerId, ticketId) {
      const ticket = await ownTicket(playerId, ticketId);
      const queue = queueOf(settings.queues, ticket.queueId);
      const now = clock();
      const end = ticket.status === "searching" ? now : (ticket.closedAt ?? now);
      return {
        ticket,
        window: ticket.status === "searching" ? ratingWindowAt(queue, ticket.enqueuedAt, now) : 0,
        waitSeconds: Math.max(0, end.getTime() - ticket.enqueuedAt.getTime()) / 1000,
        match: ticket.matchId === undefined ? undefined : await store.match(ticket.matchId),
      };
    },
    characterCreated: (tx, c) => tx.recordCharacter(c),
    async characterDeleted(tx, characterId) {
      await tx.markCharacterDeleted(characterId);
      // A deleted character's searching ticket (its party's too) leaves the queue; one in a ready check runs out there.
      const open = await tx.openTicketOf([characterId]);
      const ticket = open === undefined ? undefined : await tx.lockTicket(open.ticketId);
      if (ticket?.status !== "searching") return;
      await tx.updateTickets([ticket.ticketId], { status: "cancelled", cause: "left_queue", closedAt: clock() });
      await tx.publish([ticketCancelled(ticket.ticketId, "left_queue")]);
    },
  };
}
