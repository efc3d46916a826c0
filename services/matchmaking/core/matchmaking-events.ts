import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  MatchCancelledSchema,
  MatchCompletedSchema,
  MatchFoundSchema,
  MatchStartedSchema,
  PlayerBackfilledSchema,
  RatingUpdatedSchema,
  TicketCancelledSchema,
  TicketCreatedSchema,
} from "@chaos/gen/chaos/matchmaking/v1/events_pb.js";
import type { OutgoingEvent } from "@chaos/mesh/domain";
import { topicName } from "@chaos/mesh/domain";
import { winningTeamIndexOf, type MatchRecord, type RatingRecord, type ResultRecord, type TicketCause, type TicketRecord } from "./matchmaking-records.js";
import { toMatch, toRating, toTicket } from "./matchmaking-messages.js";

const tickets = topicName("matchmaking", "tickets");
const matches = topicName("matchmaking", "matches");

export const ticketCreated = (t: TicketRecord): OutgoingEvent => ({ topic: tickets, aggregateId: t.ticketId, schema: TicketCreatedSchema, message: create(TicketCreatedSchema, { ticket: toTicket(t) }) });

export const ticketCancelled = (ticketId: string, cause: TicketCause): OutgoingEvent => ({
  topic: tickets,
  aggregateId: ticketId,
  schema: TicketCancelledSchema,
  message: create(TicketCancelledSchema, { ticketId, cause }),
});

export const matchFound = (m: MatchRecord): OutgoingEvent => ({ topic: matches, aggregateId: m.matchId, schema: MatchFoundSchema, message: create(MatchFoundSchema, { match: toMatch(m) }) });

export const matchCancelled = (matchId: string, missing: readonly string[]): OutgoingEvent => ({
  topic: matches,
  aggregateId: matchId,
  schema: MatchCancelledSchema,
  message: create(MatchCancelledSchema, { matchId, missingCharacterIds: [...missing] }),
});

export const matchStarted = (matchId: string, serverId: string, at: Date): OutgoingEvent => ({
  topic: matches,
  aggregateId: matchId,
  schema: MatchStartedSchema,
  message: create(MatchStartedSchema, { matchId, serverId, startTime: timestampFromDate(at) }),
});

export const playerBackfilled = (matchId: string, teamIndex: number, characterId: string, replaced: string): OutgoingEvent => ({
  topic: matches,
  aggregateId: matchId,
  schema: PlayerBackfilledSchema,
  message: create(PlayerBackfilledSchema, { matchId, teamIndex, characterId, replacedCharacterId: replaced }),
});

export const matchCompleted = (m: MatchRecord, r: ResultRecord, at: Date): OutgoingEvent => ({
  topic: matches,
  aggregateId: m.matchId,
  schema: MatchCompletedSchema,
  message: create(MatchCompletedSchema, {
    matchId: m.matchId,
    queueId: m.queueId,
    seasonNumber: m.seasonNumber,
    winningTeamIndex: winningTeamIndexOf(r),
    draw: r.draw,
    leaverCharacterIds: [...r.leavers],
    completeTime: timestampFromDate(at),
  }),
});

export const ratingUpdated = (matchId: string, before: RatingRecord, after: RatingRecord): OutgoingEvent => ({
  topic: matches,
  aggregateId: matchId,
  schema: RatingUpdatedSchema,
  message: create(RatingUpdatedSchema, { matchId, before: toRating(before), after: toRating(after) }),
});
