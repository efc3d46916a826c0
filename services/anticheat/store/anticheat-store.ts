import type pg from "pg";
import { appendToOutbox } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import { CaseState, type ActionKind, type ActionState, type AppealState, type SignalKind, type Verdict } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import type { AnticheatStore, AnticheatTransaction, CastRecord } from "../core/anticheat-store.js";
import type { ActionRecord, AppealRecord, CaseRecord, ScoreChangeRecord, SignalRecord } from "../core/records.js";

type Q = pg.ClientBase | pg.Pool;

interface ActionRow {
  action_id: string;
  player_id: string;
  kind: number;
  state: number;
  reason: string;
  applied_by: string;
  applied_at: Date;
  expires_at: Date | null;
  lifted_at: Date | null;
  lift_reason: string;
  case_id: string | null;
}

interface CaseRow {
  case_id: string;
  player_id: string;
  state: number;
  opening_score: number;
  opened_at: Date;
  verdict: number;
  note: string;
  resolved_by: string;
  resolved_at: Date | null;
}

interface AppealRow {
  appeal_id: string;
  action_id: string;
  player_id: string;
  statement: string;
  state: number;
  resolution: string;
  resolved_by: string;
  created_at: Date;
  resolved_at: Date | null;
}

interface SignalRow {
  signal_id: string;
  player_id: string;
  character_id: string | null;
  kind: number;
  weight: number;
  source_event_id: string;
  evidence: string;
  observed_at: Date;
}

const toAction = (r: ActionRow): ActionRecord => ({
  actionId: r.action_id,
  playerId: r.player_id,
  kind: r.kind as ActionKind,
  state: r.state as ActionState,
  reason: r.reason,
  appliedBy: r.applied_by,
  appliedAt: r.applied_at,
  expiresAt: r.expires_at ?? undefined,
  liftedAt: r.lifted_at ?? undefined,
  liftReason: r.lift_reason,
  caseId: r.case_id ?? undefined,
});

const toCase = (r: CaseRow): CaseRecord => ({
  caseId: r.case_id,
  playerId: r.player_id,
  state: r.state as CaseState,
  openingScore: r.opening_score,
  openedAt: r.opened_at,
  verdict: r.verdict as Verdict,
  note: r.note,
  resolvedBy: r.resolved_by,
  resolvedAt: r.resolved_at ?? undefined,
});

const toAppeal = (r: AppealRow): AppealRecord => ({
  appealId: r.appeal_id,
  actionId: r.action_id,
  playerId: r.player_id,
  statement: r.statement,
  state: r.state as AppealState,
  resolution: r.resolution,
  resolvedBy: r.resolved_by,
  createdAt: r.created_at,
  resolvedAt: r.resolved_at ?? undefined,
});

const toSignal = (r: SignalRow): SignalRecord => ({
  signalId: r.signal_id,
  playerId: r.player_id,
  characterId: r.character_id ?? undefined,
  kind: r.kind as SignalKind,
  weight: r.weight,
  sourceEventId: r.source_event_id,
  evidence: r.evidence,
  observedAt: r.observed_at,
});

const one = <T, R>(rows: T[], map: (row: T) => R): R | undefined => (rows[0] === undefined ? undefined : map(rows[0]));

const actionOf = async (q: Q, actionId: string, lock: boolean) =>
  one((await q.query<ActionRow>(`SELECT * FROM actions WHERE action_id = $1${lock ? " FOR UPDATE" : ""}`, [actionId])).rows, toAction);
const caseOf = async (q: Q, caseId: string, lock: boolean) => one((await q.query<CaseRow>(`SELECT * FROM cases WHERE case_id = $1${lock ? " FOR UPDATE" : ""}`, [caseId])).rows, toCase);
const appealOf = async (q: Q, appealId: string, lock: boolean) =>
  one((await q.query<AppealRow>(`SELECT * FROM appeals WHERE appeal_id = $1${lock ? " FOR UPDATE" : ""}`, [appealId])).rows, toAppeal);
const activeActionsOf = async (q: Q, playerId: string) =>
  (await q.query<ActionRow>("SELECT * FROM actions WHERE player_id = $1 AND state = 1 ORDER BY applied_at DESC", [playerId])).rows.map(toAction);

/** Anticheat's tables: the rules' read models, signals, scores and their changes, cases, actions, appeals. */
export function createAnticheatStore(db: Database, source: string): AnticheatStore & { within(client: pg.PoolClient): AnticheatTransaction } {
  const within = (client: pg.PoolClient): AnticheatTransaction => ({
    async recordCharacter(characterId, playerId) {
      await client.query("INSERT INTO characters (character_id, player_id) VALUES ($1, $2) ON CONFLICT (character_id) DO NOTHING", [characterId, playerId]);
    },
    async playerOf(characterId) {
      return (await client.query<{ player_id: string }>("SELECT player_id FROM characters WHERE character_id = $1", [characterId])).rows[0]?.player_id;
    },
    async lastMove(characterId) {
      const { rows } = await client.query<{ zone_id: string; x: number; y: number; z: number; moved_at: Date }>("SELECT * FROM last_moves WHERE character_id = $1", [characterId]);
      return one(rows, (r) => ({ zoneId: r.zone_id, x: r.x, y: r.y, z: r.z, at: r.moved_at }));
    },
    async recordMove(characterId, p) {
      await client.query(
        `INSERT INTO last_moves (character_id, zone_id, x, y, z, moved_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (character_id) DO UPDATE SET zone_id = excluded.zone_id, x = excluded.x, y = excluded.y, z = excluded.z, moved_at = excluded.moved_at
         WHERE last_moves.moved_at <= excluded.moved_at`,
        [characterId, p.zoneId, p.x, p.y, p.z, p.at],
      );
    },
    async recordCast(cast) {
      await client.query(
        "INSERT INTO casts (cast_id, character_id, player_id, spell_id, cast_at, cooldown_ms, base_damage) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (cast_id) DO NOTHING",
        [cast.castId, cast.characterId, cast.playerId, cast.spellId, cast.castAt, cast.limits.cooldownMs, cast.limits.baseDamage],
      );
      const { rows } = await client.query<{ cast_at: Date }>(
        "SELECT cast_at FROM casts WHERE character_id = $1 AND spell_id = $2 AND cast_at <= $3 AND cast_id <> $4 ORDER BY cast_at DESC LIMIT 1",
        [cast.characterId, cast.spellId, cast.castAt, cast.castId],
      );
      return rows[0]?.cast_at;
    },
    async cast(castId) {
      const { rows } = await client.query<{ cast_id: string; character_id: string; player_id: string; spell_id: string; cast_at: Date; cooldown_ms: number; base_damage: number }>(
        "SELECT * FROM casts WHERE cast_id = $1",
        [castId],
      );
      return one(rows, (r): CastRecord => ({
        castId: r.cast_id,
        characterId: r.character_id,
        playerId: r.player_id,
        spellId: r.spell_id,
        castAt: r.cast_at,
        limits: { cooldownMs: r.cooldown_ms, baseDamage: r.base_damage },
      }));
    },
    async defeatState(characterId) {
      const { rows } = await client.query<{ defeated_at: Date | null; revived_at: Date | null }>("SELECT defeated_at, revived_at FROM defeats WHERE character_id = $1", [characterId]);
      return one(rows, (r) => ({ defeatedAt: r.defeated_at ?? undefined, revivedAt: r.revived_at ?? undefined }));
    },
    async markDefeated(characterId, at) {
      await client.query(
        `INSERT INTO defeats (character_id, defeated_at) VALUES ($1, $2)
         ON CONFLICT (character_id) DO UPDATE SET defeated_at = GREATEST(defeats.defeated_at, excluded.defeated_at)`,
        [characterId, at],
      );
    },
    async markRevived(characterId, at) {
      await client.query(
        `INSERT INTO defeats (character_id, revived_at) VALUES ($1, $2)
         ON CONFLICT (character_id) DO UPDATE SET revived_at = GREATEST(defeats.revived_at, excluded.revived_at)`,
        [characterId, at],
      );
    },
    async recordGift(tradeId, gift, at, since) {
      // Gifts to one receiver arrive on several partitions at once: counted one at a time, none is missed.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('anticheat.gifts:' || $1))", [gift.receiverPlayerId]);
      const inserted = await client.query(
        "INSERT INTO gold_gifts (trade_id, giver_player_id, receiver_player_id, gold, given_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (trade_id) DO NOTHING",
        [tradeId, gift.giverPlayerId, gift.receiverPlayerId, gift.gold.toString(), at],
      );
      const { rows } = await client.query<{ givers: number; gold: string }>(
        "SELECT count(DISTINCT giver_player_id)::int AS givers, coalesce(sum(gold), 0)::text AS gold FROM gold_gifts WHERE receiver_player_id = $1 AND given_at > $2 AND given_at <= $3",
        [gift.receiverPlayerId, since, at],
      );
      return { givers: rows[0]!.givers, gold: BigInt(rows[0]!.gold), inserted: inserted.rowCount === 1 };
    },
    async recordTransferHalf(half) {
      // The two halves come on different partitions, often at once: the second waits for the first's commit and sees it.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('anticheat.transfer:' || $1))", [half.transactionId]);
      await client.query(
        "INSERT INTO transfer_halves (transaction_id, side, character_id, amount, moved_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (transaction_id, side) DO NOTHING",
        [half.transactionId, half.side, half.characterId, half.amount.toString(), half.at],
      );
      const { rows } = await client.query<{ character_id: string; amount: string; moved_at: Date }>(
        "SELECT character_id, amount::text, moved_at FROM transfer_halves WHERE transaction_id = $1 AND side <> $2",
        [half.transactionId, half.side],
      );
      return one(rows, (r) => ({ transactionId: half.transactionId, side: half.side === "debit" ? "credit" : "debit", characterId: r.character_id, amount: BigInt(r.amount), at: r.moved_at }));
    },
    async recordLogin(ipAddress, accountId, at, since) {
      await client.query(
        `INSERT INTO address_logins (ip_address, account_id, last_login_at) VALUES ($1, $2, $3)
         ON CONFLICT (ip_address, account_id) DO UPDATE SET last_login_at = GREATEST(address_logins.last_login_at, excluded.last_login_at)`,
        [ipAddress, accountId, at],
      );
      const { rows } = await client.query<{ accounts: number }>("SELECT count(*)::int AS accounts FROM address_logins WHERE ip_address = $1 AND last_login_at > $2", [ipAddress, since]);
      return rows[0]!.accounts;
    },
    async insertSignal(s) {
      const { rowCount } = await client.query(
        `INSERT INTO signals (signal_id, player_id, character_id, kind, weight, source_event_id, evidence, observed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (signal_id) DO NOTHING`,
        [s.signalId, s.playerId, s.characterId ?? null, s.kind, s.weight, s.sourceEventId, s.evidence, s.observedAt],
      );
      return rowCount === 1;
    },
    async lockScore(playerId, now) {
      await client.query("INSERT INTO scores (player_id, score, score_at) VALUES ($1, 0, $2) ON CONFLICT (player_id) DO NOTHING", [playerId, now]);
      const { rows } = await client.query<{ score: number; score_at: Date }>("SELECT score, score_at FROM scores WHERE player_id = $1 FOR UPDATE", [playerId]);
      return { value: rows[0]!.score, at: rows[0]!.score_at };
    },
    async saveScore(playerId, score) {
      await client.query("UPDATE scores SET score = $2, score_at = $3 WHERE player_id = $1", [playerId, score.value, score.at]);
    },
    async insertScoreChange(c) {
      await client.query("INSERT INTO score_changes (player_id, score_before, score_after, signal_ids, changed_at) VALUES ($1, $2, $3, $4, $5)", [
        c.playerId,
        c.before,
        c.after,
        [...c.signalIds],
        c.changedAt,
      ]);
    },
    activeActions: (playerId) => activeActionsOf(client, playerId),
    lockAction: (actionId) => actionOf(client, actionId, true),
    async insertAction(a) {
      await client.query(
        `INSERT INTO actions (action_id, player_id, kind, state, reason, applied_by, applied_at, expires_at, lifted_at, lift_reason, case_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [a.actionId, a.playerId, a.kind, a.state, a.reason, a.appliedBy, a.appliedAt, a.expiresAt ?? null, a.liftedAt ?? null, a.liftReason, a.caseId ?? null],
      );
    },
    async updateAction(a) {
      await client.query("UPDATE actions SET state = $2, lifted_at = $3, lift_reason = $4 WHERE action_id = $1", [a.actionId, a.state, a.liftedAt ?? null, a.liftReason]);
    },
    async expiredActions(now, limit) {
      const { rows } = await client.query<ActionRow>("SELECT * FROM actions WHERE state = 1 AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED", [now, limit]);
      return rows.map(toAction);
    },
    async openCaseOf(playerId) {
      return one((await client.query<CaseRow>("SELECT * FROM cases WHERE player_id = $1 AND state = $2", [playerId, CaseState.OPEN])).rows, toCase);
    },
    lockCase: (caseId) => caseOf(client, caseId, true),
    async insertCase(c) {
      await client.query("INSERT INTO cases (case_id, player_id, state, opening_score, opened_at) VALUES ($1, $2, $3, $4, $5)", [
        c.caseId,
        c.playerId,
        c.state,
        c.openingScore,
        c.openedAt,
      ]);
    },
    async updateCase(c) {
      await client.query("UPDATE cases SET state = $2, verdict = $3, note = $4, resolved_by = $5, resolved_at = $6 WHERE case_id = $1", [
        c.caseId,
        c.state,
        c.verdict,
        c.note,
        c.resolvedBy,
        c.resolvedAt ?? null,
      ]);
    },
    async openAppealFor(actionId) {
      return one((await client.query<AppealRow>("SELECT * FROM appeals WHERE action_id = $1 AND state = 1", [actionId])).rows, toAppeal);
    },
    lockAppeal: (appealId) => appealOf(client, appealId, true),
    async insertAppeal(a) {
      await client.query("INSERT INTO appeals (appeal_id, action_id, player_id, statement, state, created_at) VALUES ($1, $2, $3, $4, $5, $6)", [
        a.appealId,
        a.actionId,
        a.playerId,
        a.statement,
        a.state,
        a.createdAt,
      ]);
    },
    async updateAppeal(a) {
      await client.query("UPDATE appeals SET state = $2, resolution = $3, resolved_by = $4, resolved_at = $5 WHERE appeal_id = $1", [
        a.appealId,
        a.state,
        a.resolution,
        a.resolvedBy,
        a.resolvedAt ?? null,
      ]);
    },
    async prune(before) {
      await client.query("DELETE FROM casts WHERE cast_at < $1", [before]);
      await client.query("DELETE FROM gold_gifts WHERE given_at < $1", [before]);
      await client.query("DELETE FROM address_logins WHERE last_login_at < $1", [before]);
      await client.query("DELETE FROM transfer_halves WHERE moved_at < $1", [before]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });

  return {
    async score(playerId) {
      const { rows } = await db.pool.query<{ score: number; score_at: Date }>("SELECT score, score_at FROM scores WHERE player_id = $1", [playerId]);
      return one(rows, (r) => ({ value: r.score, at: r.score_at }));
    },
    async actions(playerId, activeOnly, limit) {
      const { rows } = await db.pool.query<ActionRow>(`SELECT * FROM actions WHERE player_id = $1${activeOnly ? " AND state = 1" : ""} ORDER BY applied_at DESC, action_id DESC LIMIT $2`, [
        playerId,
        limit,
      ]);
      return rows.map(toAction);
    },
    action: (actionId) => actionOf(db.pool, actionId, false),
    async recentChanges(playerId, limit) {
      const { rows } = await db.pool.query<{ player_id: string; score_before: number; score_after: number; signal_ids: string[]; changed_at: Date }>(
        "SELECT * FROM score_changes WHERE player_id = $1 ORDER BY change_id DESC LIMIT $2",
        [playerId, limit],
      );
      return rows.map((r): ScoreChangeRecord => ({ playerId: r.player_id, before: r.score_before, after: r.score_after, signalIds: r.signal_ids, changedAt: r.changed_at }));
    },
    async signals(playerId, cursor, limit) {
      const { rows } = await db.pool.query<SignalRow>(
        `SELECT * FROM signals WHERE player_id = $1 AND ($2::timestamptz IS NULL OR (observed_at, signal_id) < ($2, $3::text))
         ORDER BY observed_at DESC, signal_id DESC LIMIT $4`,
        [playerId, cursor?.at ?? null, cursor?.id ?? null, limit],
      );
      return rows.map(toSignal);
    },
    case: (caseId) => caseOf(db.pool, caseId, false),
    async cases(state, cursor, limit) {
      const { rows } = await db.pool.query<CaseRow>(
        `SELECT * FROM cases WHERE state = $1 AND ($2::timestamptz IS NULL OR (opened_at, case_id) > ($2, $3::text))
         ORDER BY opened_at, case_id LIMIT $4`,
        [state, cursor?.at ?? null, cursor?.id ?? null, limit],
      );
      return rows.map(toCase);
    },
    appeal: (appealId) => appealOf(db.pool, appealId, false),
    async appealsOf(playerId, limit) {
      return (await db.pool.query<AppealRow>("SELECT * FROM appeals WHERE player_id = $1 ORDER BY created_at DESC LIMIT $2", [playerId, limit])).rows.map(toAppeal);
    },
    async openAppeals(limit) {
      return (await db.pool.query<AppealRow>("SELECT * FROM appeals WHERE state = 1 ORDER BY created_at LIMIT $1", [limit])).rows.map(toAppeal);
    },
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
