import type pg from "pg";
import { appendToOutbox, enqueueJobs, type JobRequest } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { QueuedTicket } from "../core/matcher.js";
import type { MatchPlayerRecord, MatchRecord, QueueStatistics, RatingRecord, TicketRecord } from "../core/matchmaking-records.js";
import type { MatchJobs, MatchmakingReads, MatchmakingStore, MatchmakingTransaction } from "../core/matchmaking-store.js";
import { conservativeRank } from "../core/skill-rating.js";
import type { Season } from "../core/season-clock.js";

type Q = pg.ClientBase | pg.Pool;

/** The key of the advisory lock a matching round holds: one replica forms matches at a time. */
const roundLockKey = 7_420_001;

interface TicketRow {
  ticket_id: string;
  queue_id: string;
  character_ids: string[];
  region: string;
  latency_ms: number;
  state: TicketRecord["status"];
  match_id: string | null;
  enqueued_at: Date;
  rating: number;
  cause: TicketRecord["cause"] | null;
  closed_at: Date | null;
}

interface MatchRow {
  match_id: string;
  queue_id: string;
  region: string;
  season_number: number;
  state: MatchRecord["status"];
  created_at: Date;
  ready_check_ends_at: Date;
  rating_window: number;
  rating_low: number;
  rating_high: number;
  team_means: number[];
  server_id: string | null;
  seed: string;
  /** From results, null until reported. */
  winning_team: number | null;
  draw: boolean | null;
  leavers: string[] | null;
}

interface PlayerRow {
  character_id: string;
  ticket_id: string;
  team_index: number;
  mu: number;
  sigma: number;
  accepted: boolean;
  backfill: boolean;
  left_at: Date | null;
}

interface RatingRow {
  queue_id: string;
  season_number: number;
  character_id: string;
  mu: number;
  sigma: number;
  wins: number;
  losses: number;
  draws: number;
}

const toTicket = (r: TicketRow): TicketRecord => ({
  ticketId: r.ticket_id,
  queueId: r.queue_id,
  characterIds: r.character_ids,
  region: r.region,
  latencyMs: r.latency_ms,
  status: r.state,
  matchId: r.match_id ?? undefined,
  enqueuedAt: r.enqueued_at,
  rating: r.rating,
  cause: r.cause ?? undefined,
  closedAt: r.closed_at ?? undefined,
});

const toPlayer = (r: PlayerRow): MatchPlayerRecord => ({
  characterId: r.character_id,
  ticketId: r.ticket_id,
  teamIndex: r.team_index,
  rating: { mu: r.mu, sigma: r.sigma },
  accepted: r.accepted,
  backfill: r.backfill,
  left: r.left_at !== null,
});

const toRating = (r: RatingRow): RatingRecord => ({
  characterId: r.character_id,
  queueId: r.queue_id,
  seasonNumber: r.season_number,
  rating: { mu: r.mu, sigma: r.sigma },
  wins: r.wins,
  losses: r.losses,
  draws: r.draws,
});

const toSeason = (r: { season_number: number; starts_at: Date; ends_at: Date }): Season => ({ number: r.season_number, startsAt: r.starts_at, endsAt: r.ends_at });

async function matchOf(q: Q, matchId: string, lock: boolean): Promise<MatchRecord | undefined> {
  const { rows } = await q.query<MatchRow>(
    `SELECT m.*, r.winning_team, r.draw, r.leavers FROM matches m LEFT JOIN results r USING (match_id) WHERE m.match_id = $1${lock ? " FOR UPDATE OF m" : ""}`,
    [matchId],
  );
  const m = rows[0];
  if (m === undefined) return undefined;
  const players = await q.query<PlayerRow>("SELECT * FROM match_players WHERE match_id = $1 ORDER BY team_index, backfill, character_id", [matchId]);
  return {
    matchId: m.match_id,
    queueId: m.queue_id,
    region: m.region,
    seasonNumber: m.season_number,
    status: m.state,
    createdAt: m.created_at,
    readyCheckEndsAt: m.ready_check_ends_at,
    window: m.rating_window,
    low: m.rating_low,
    high: m.rating_high,
    teamMeans: m.team_means,
    players: players.rows.map(toPlayer),
    serverId: m.server_id ?? undefined,
    seed: BigInt(m.seed),
    result: m.winning_team === null || m.draw === null ? undefined : { matchId: m.match_id, winningTeam: m.winning_team, draw: m.draw, leavers: m.leavers ?? [] },
  };
}

function reads(q: Q): MatchmakingReads {
  return {
    async character(characterId) {
      const { rows } = await q.query<{ character_id: string; player_id: string; deleted_at: Date | null }>("SELECT * FROM characters WHERE character_id = $1", [characterId]);
      return rows[0] === undefined ? undefined : { characterId: rows[0].character_id, playerId: rows[0].player_id, deleted: rows[0].deleted_at !== null };
    },
    async ticket(ticketId) {
      const { rows } = await q.query<TicketRow>("SELECT * FROM tickets WHERE ticket_id = $1", [ticketId]);
      return rows[0] === undefined ? undefined : toTicket(rows[0]);
    },
    match: (matchId) => matchOf(q, matchId, false),
    async ratings(queueId, seasonNumber, characterIds) {
      const { rows } = await q.query<RatingRow>("SELECT * FROM ratings WHERE queue_id = $1 AND season_number = $2 AND character_id = ANY($3::uuid[])", [queueId, seasonNumber, characterIds]);
      return rows.map(toRating);
    },
    async leaderboard(queueId, seasonNumber, after, limit) {
      const { rows } = await q.query<RatingRow>(
        `SELECT * FROM ratings WHERE queue_id = $1 AND season_number = $2
           AND ($3::double precision IS NULL OR conservative < $3 OR (conservative = $3 AND character_id > $4::uuid))
         ORDER BY conservative DESC, character_id LIMIT $5`,
        [queueId, seasonNumber, after?.conservative ?? null, after?.characterId ?? null, limit],
      );
      return rows.map(toRating);
    },
    async seasons(limit) {
      const { rows } = await q.query("SELECT * FROM seasons ORDER BY season_number DESC LIMIT $1", [limit]);
      return rows.map(toSeason);
    },
    async season(number) {
      const { rows } = await q.query("SELECT * FROM seasons WHERE season_number = $1", [number]);
      return rows[0] === undefined ? undefined : toSeason(rows[0]);
    },
    async statistics(queueId, now): Promise<QueueStatistics> {
      const { rows } = await q.query<{ tickets: number; players: number; p50: number | null; p90: number | null; ready: number; running: number }>(
        `SELECT
           (SELECT count(*)::int FROM tickets WHERE queue_id = $1 AND state = 'searching') AS tickets,
           (SELECT coalesce(sum(cardinality(character_ids)), 0)::int FROM tickets WHERE queue_id = $1 AND state = 'searching') AS players,
           (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM $2::timestamptz - enqueued_at)) FROM tickets WHERE queue_id = $1 AND state = 'searching') AS p50,
           (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM $2::timestamptz - enqueued_at)) FROM tickets WHERE queue_id = $1 AND state = 'searching') AS p90,
           (SELECT count(*)::int FROM matches WHERE queue_id = $1 AND state = 'ready_check') AS ready,
           (SELECT count(*)::int FROM matches WHERE queue_id = $1 AND state IN ('allocating', 'running')) AS running`,
        [queueId, now],
      );
      const r = rows[0]!;
      return { searchingTickets: r.tickets, searchingPlayers: r.players, waitP50Seconds: Number(r.p50 ?? 0), waitP90Seconds: Number(r.p90 ?? 0), readyChecks: r.ready, runningMatches: r.running };
    },
  };
}

/** Matchmaking's tickets, matches, ratings and seasons in PostgreSQL; `source` is the ce_source of its events. */
export function createMatchmakingStore(db: Database, source: string): MatchmakingStore & { within(client: pg.PoolClient): MatchmakingTransaction } {
  const within = (client: pg.PoolClient): MatchmakingTransaction => ({
    ...reads(client),
    async recordCharacter(c) {
      await client.query("INSERT INTO characters (character_id, player_id) VALUES ($1, $2) ON CONFLICT (character_id) DO NOTHING", [c.characterId, c.playerId]);
    },
    async markCharacterDeleted(characterId) {
      await client.query("UPDATE characters SET deleted_at = now() WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
    },
    async openTicketOf(characterIds) {
      const { rows } = await client.query<{ ticket_id: string; character_id: string }>("SELECT ticket_id, character_id FROM open_tickets WHERE character_id = ANY($1::uuid[]) LIMIT 1", [characterIds]);
      return rows[0] === undefined ? undefined : { ticketId: rows[0].ticket_id, characterId: rows[0].character_id };
    },
    async insertTicket(t) {
      await client.query(
        `INSERT INTO tickets (ticket_id, queue_id, character_ids, region, latency_ms, state, enqueued_at, rating) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [t.ticketId, t.queueId, t.characterIds, t.region, t.latencyMs, t.status, t.enqueuedAt, t.rating],
      );
      const { rowCount } = await client.query("INSERT INTO open_tickets (character_id, ticket_id) SELECT unnest($1::uuid[]), $2 ON CONFLICT (character_id) DO NOTHING", [t.characterIds, t.ticketId]);
      return rowCount === t.characterIds.length;
    },
    async lockTicket(ticketId) {
      const { rows } = await client.query<TicketRow>("SELECT * FROM tickets WHERE ticket_id = $1 FOR UPDATE", [ticketId]);
      return rows[0] === undefined ? undefined : toTicket(rows[0]);
    },
    async updateTickets(ticketIds, change) {
      if (ticketIds.length === 0) return;
      await client.query(
        `UPDATE tickets SET state = $2, match_id = CASE WHEN $3::boolean THEN $4::uuid ELSE match_id END, cause = coalesce($5, cause), closed_at = coalesce($6, closed_at)
         WHERE ticket_id = ANY($1::uuid[])`,
        [ticketIds, change.status, change.matchId !== undefined, change.matchId ?? null, change.cause ?? null, change.closedAt ?? null],
      );
      // A ticket that ended frees its characters to queue again.
      if (change.status === "cancelled" || change.status === "expired" || change.status === "matched") await client.query("DELETE FROM open_tickets WHERE ticket_id = ANY($1::uuid[])", [ticketIds]);
    },
    async claimSearching(queueId, limit): Promise<QueuedTicket[]> {
      const { rows } = await client.query<TicketRow>(
        "SELECT * FROM tickets WHERE queue_id = $1 AND state = 'searching' ORDER BY enqueued_at, ticket_id LIMIT $2 FOR UPDATE SKIP LOCKED",
        [queueId, limit],
      );
      return rows.map((r) => ({ ticketId: r.ticket_id, characterIds: r.character_ids, region: r.region, rating: r.rating, enqueuedAt: r.enqueued_at }));
    },
    async insertMatches(matches) {
      if (matches.length === 0) return;
      await client.query(
        `INSERT INTO matches (match_id, queue_id, region, season_number, state, created_at, ready_check_ends_at, rating_window, rating_low, rating_high, team_means, seed)
         SELECT m.match_id, m.queue_id, m.region, m.season_number, m.state, m.created_at, m.ready_check_ends_at, m.rating_window, m.rating_low, m.rating_high,
                ARRAY(SELECT e::double precision FROM jsonb_array_elements_text(m.team_means) WITH ORDINALITY AS x(e, n) ORDER BY n), m.seed
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::double precision[], $9::double precision[],
                     $10::double precision[], $11::jsonb[], $12::bigint[])
           AS m(match_id, queue_id, region, season_number, state, created_at, ready_check_ends_at, rating_window, rating_low, rating_high, team_means, seed)`,
        [
          matches.map((m) => m.matchId),
          matches.map((m) => m.queueId),
          matches.map((m) => m.region),
          matches.map((m) => m.seasonNumber),
          matches.map((m) => m.status),
          matches.map((m) => m.createdAt),
          matches.map((m) => m.readyCheckEndsAt),
          matches.map((m) => m.window),
          matches.map((m) => m.low),
          matches.map((m) => m.high),
          matches.map((m) => JSON.stringify(m.teamMeans)),
          matches.map((m) => m.seed.toString()),
        ],
      );
      const players = matches.flatMap((m) => m.players.map((p) => ({ matchId: m.matchId, ...p })));
      await client.query(
        `INSERT INTO match_players (match_id, character_id, ticket_id, team_index, mu, sigma)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::double precision[], $6::double precision[])`,
        [players.map((p) => p.matchId), players.map((p) => p.characterId), players.map((p) => p.ticketId), players.map((p) => p.teamIndex), players.map((p) => p.rating.mu), players.map((p) => p.rating.sigma)],
      );
    },
    async assignTickets(assignments) {
      if (assignments.length === 0) return;
      await client.query(
        `UPDATE tickets SET state = 'match_found', match_id = a.match_id FROM unnest($1::uuid[], $2::uuid[]) AS a(ticket_id, match_id) WHERE tickets.ticket_id = a.ticket_id`,
        [assignments.map((a) => a.ticketId), assignments.map((a) => a.matchId)],
      );
    },
    lockMatch: (matchId) => matchOf(client, matchId, true),
    async updateMatch(matchId, change) {
      await client.query("UPDATE matches SET state = coalesce($2, state), server_id = coalesce($3, server_id) WHERE match_id = $1", [matchId, change.status ?? null, change.serverId ?? null]);
    },
    async markAccepted(matchId, characterId) {
      await client.query("UPDATE match_players SET accepted = true WHERE match_id = $1 AND character_id = $2", [matchId, characterId]);
    },
    async markLeft(matchId, characterId) {
      const { rowCount } = await client.query("UPDATE match_players SET left_at = now() WHERE match_id = $1 AND character_id = $2 AND left_at IS NULL", [matchId, characterId]);
      return rowCount === 1;
    },
    async addBackfill(matchId, p) {
      await client.query("INSERT INTO match_players (match_id, character_id, ticket_id, team_index, mu, sigma, accepted, backfill) VALUES ($1, $2, $3, $4, $5, $6, true, true)", [
        matchId,
        p.characterId,
        p.ticketId,
        p.teamIndex,
        p.rating.mu,
        p.rating.sigma,
      ]);
    },
    async expiredReadyChecks(now, limit) {
      const { rows } = await client.query<{ match_id: string }>("SELECT match_id FROM matches WHERE state = 'ready_check' AND ready_check_ends_at <= $1 ORDER BY ready_check_ends_at LIMIT $2", [now, limit]);
      return rows.map((r) => r.match_id);
    },
    async openHoles(limit) {
      const { rows } = await client.query<{ match_id: string; team_index: number; character_id: string }>(
        "SELECT match_id, team_index, character_id FROM holes WHERE filled_by IS NULL ORDER BY opened_at LIMIT $1",
        [limit],
      );
      return rows.map((r) => ({ matchId: r.match_id, teamIndex: r.team_index, characterId: r.character_id }));
    },
    async openHole(matchId, teamIndex, characterId) {
      await client.query("INSERT INTO holes (match_id, character_id, team_index) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [matchId, characterId, teamIndex]);
    },
    async fillHole(matchId, characterId, filledBy) {
      await client.query("UPDATE holes SET filled_by = $3 WHERE match_id = $1 AND character_id = $2", [matchId, characterId, filledBy]);
    },
    async hole(matchId, characterId) {
      const { rows } = await client.query<{ team_index: number; filled_by: string | null }>("SELECT team_index, filled_by FROM holes WHERE match_id = $1 AND character_id = $2", [matchId, characterId]);
      return rows[0] === undefined ? undefined : { teamIndex: rows[0].team_index, filledBy: rows[0].filled_by ?? undefined };
    },
    async lockCurrentSeason() {
      const { rows } = await client.query("SELECT * FROM seasons ORDER BY season_number DESC LIMIT 1 FOR UPDATE");
      return rows[0] === undefined ? undefined : toSeason(rows[0]);
    },
    async insertSeasons(seasons) {
      for (const s of seasons) await client.query("INSERT INTO seasons (season_number, starts_at, ends_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [s.number, s.startsAt, s.endsAt]);
    },
    async lockRatings(queueId, seasonNumber, characterIds) {
      const { rows } = await client.query<RatingRow>(
        "SELECT * FROM ratings WHERE queue_id = $1 AND season_number = $2 AND character_id = ANY($3::uuid[]) ORDER BY character_id FOR UPDATE",
        [queueId, seasonNumber, characterIds],
      );
      return rows.map(toRating);
    },
    async saveRatings(ratings) {
      for (const r of ratings) {
        await client.query(
          `INSERT INTO ratings (queue_id, season_number, character_id, mu, sigma, conservative, wins, losses, draws) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (queue_id, season_number, character_id) DO UPDATE SET mu = $4, sigma = $5, conservative = $6, wins = $7, losses = $8, draws = $9`,
          [r.queueId, r.seasonNumber, r.characterId, r.rating.mu, r.rating.sigma, conservativeRank(r.rating), r.wins, r.losses, r.draws],
        );
      }
    },
    async result(matchId) {
      const { rows } = await client.query<{ match_id: string; winning_team: number; draw: boolean; leavers: string[] }>("SELECT * FROM results WHERE match_id = $1", [matchId]);
      const r = rows[0];
      return r === undefined ? undefined : { matchId: r.match_id, winningTeam: r.winning_team, draw: r.draw, leavers: [...r.leavers].sort() };
    },
    async insertResult(r) {
      await client.query("INSERT INTO results (match_id, winning_team, draw, leavers) VALUES ($1, $2, $3, $4)", [r.matchId, r.winningTeam, r.draw, r.leavers]);
    },
    async tryRoundLock() {
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [roundLockKey]);
      return rows[0]!.locked;
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
    async schedule(kind, payload) {
      const key = kind === "allocate" ? `allocate:${payload.matchId}` : `addPlayer:${payload.matchId}:${(payload as MatchJobs["addPlayer"]).characterId}`;
      await enqueueJobs<MatchJobs>(client, [{ key, kind, payload } as JobRequest<MatchJobs>]);
    },
  });
  return {
    ...reads(db.pool),
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
