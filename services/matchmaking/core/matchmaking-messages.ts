import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { MatchSchema, MatchState, RatingSchema, SeasonSchema, TicketSchema, TicketState, type Match, type Rating, type Season as SeasonMessage, type Ticket } from "@chaos/gen/chaos/matchmaking/v1/match_pb.js";
import { winningTeamIndexOf, type MatchRecord, type RatingRecord, type TicketRecord } from "./matchmaking-records.js";
import type { Season } from "./season-clock.js";
import { conservativeRank } from "./skill-rating.js";

const ticketStates: Record<TicketRecord["status"], TicketState> = {
  searching: TicketState.SEARCHING,
  match_found: TicketState.MATCH_FOUND,
  matched: TicketState.MATCHED,
  cancelled: TicketState.CANCELLED,
  expired: TicketState.EXPIRED,
};

const matchStates: Record<MatchRecord["status"], MatchState> = {
  ready_check: MatchState.READY_CHECK,
  allocating: MatchState.ALLOCATING,
  running: MatchState.RUNNING,
  completed: MatchState.COMPLETED,
  cancelled: MatchState.CANCELLED,
};

export function toTicket(t: TicketRecord): Ticket {
  return create(TicketSchema, {
    ticketId: t.ticketId,
    queueId: t.queueId,
    characterIds: [...t.characterIds],
    region: t.region,
    latencyMs: t.latencyMs,
    state: ticketStates[t.status],
    matchId: t.matchId ?? "",
    createTime: timestampFromDate(t.enqueuedAt),
    rating: t.rating,
    cause: t.cause ?? "",
  });
}

export function toMatch(m: MatchRecord): Match {
  return create(MatchSchema, {
    matchId: m.matchId,
    queueId: m.queueId,
    region: m.region,
    teams: m.teamMeans.map((mean, teamIndex) => ({
      teamIndex,
      meanRating: mean,
      characterIds: m.players.filter((p) => p.teamIndex === teamIndex && !p.left).map((p) => p.characterId),
    })),
    state: matchStates[m.status],
    seasonNumber: m.seasonNumber,
    createTime: timestampFromDate(m.createdAt),
    readyCheckExpireTime: timestampFromDate(m.readyCheckEndsAt),
    acceptedCharacterIds: m.players.filter((p) => p.accepted && !p.backfill).map((p) => p.characterId),
    ratingWindow: m.window,
    serverId: m.serverId ?? "",
    result: m.result === undefined ? undefined : { winningTeamIndex: winningTeamIndexOf(m.result), draw: m.result.draw, leaverCharacterIds: [...m.result.leavers] },
  });
}

export function toRating(r: RatingRecord): Rating {
  return create(RatingSchema, {
    characterId: r.characterId,
    queueId: r.queueId,
    seasonNumber: r.seasonNumber,
    mu: r.rating.mu,
    sigma: r.rating.sigma,
    conservative: conservativeRank(r.rating),
    wins: r.wins,
    losses: r.losses,
    draws: r.draws,
  });
}

export function toSeason(s: Season): SeasonMessage {
  return create(SeasonSchema, { seasonNumber: s.number, startTime: timestampFromDate(s.startsAt), endTime: timestampFromDate(s.endsAt) });
}
