import { advanceContest, type ContestRules } from "./contest.js";
import type { LiveTerritories } from "./live.js";
import { inside, presenceIn } from "./presence.js";
import {
  alreadyControlled,
  captureIdReused,
  captureInProgress,
  notAGuildMember,
  notAtTerritory,
  notCharacterOwner,
  territoryNotFound,
  tickInFuture,
  zoneClosed,
} from "./refusals.js";
import { announce, withPresence } from "./territory-views.js";
import type { TickClock } from "./tick-clock.js";
import { controlChanged, territoryContested } from "./world-events.js";
import type { TerritoryView } from "./world-records.js";
import type { WorldReads, WorldStore, WorldTransaction } from "./world-store.js";

/** A StartTerritoryCapture as the caller asked it. */
export interface CaptureRequest {
  readonly captureId: string;
  readonly characterId: string;
  readonly territoryId: string;
}

/** What a tick did. */
export interface TickOutcome {
  readonly advanced: number;
  readonly decided: number;
}

/** Starting captures, and the ticks that decide them. */
export interface Captures {
  /** Starts a contest for the guild of `playerId`'s character; idempotent by capture id. */
  start(playerId: string, request: CaptureRequest): Promise<TerritoryView>;
  /**
   * Applies tick `tick` to every running contest that has not had it, in one
   * transaction with the tick stored per contest, so a tick applies once.
   * `wait` false (the timer): when another replica runs a tick now, leave
   * it the work. `wait` true (an operator): wait for it, then apply what is left.
   */
  tick(tick: number, options: { wait: boolean }): Promise<TickOutcome>;
}

export function createCaptures(store: WorldStore, deps: { clock: TickClock; rules: ContestRules; live: LiveTerritories }): Captures {
  const { clock, rules, live } = deps;
  const current = async (reads: WorldReads, territoryId: string) => (await withPresence(reads, [(await reads.territory(territoryId))!]))[0]!;

  /** A capture id seen before answers the territory as it is now, if the retry asks the same; otherwise it is a reuse. */
  const replay = async (reads: WorldReads, request: CaptureRequest): Promise<TerritoryView | undefined> => {
    const earlier = await reads.capture(request.captureId);
    if (earlier === undefined) return undefined;
    if (earlier.territoryId !== request.territoryId || earlier.characterId !== request.characterId) throw captureIdReused(request.captureId);
    return current(reads, earlier.territoryId);
  };

  const decide = async (tx: WorldTransaction, tick: number) => {
    const due = await tx.contestsDue(tick);
    if (due.length === 0) return { changed: [] as string[], decided: 0 };
    const members = await tx.membersIn([...new Set(due.map((t) => t.zoneId))]);
    const now = clock.now();
    let decided = 0;
    for (const territory of due) {
      const contest = territory.contest!;
      const step = advanceContest(contest.contenders, presenceIn(territory, members), rules);
      if (step.outcome === "running") {
        await tx.saveContest(contest.captureId, step.contenders, tick);
        await tx.touchTerritory(territory.territoryId, "progress");
        continue;
      }
      decided++;
      if (step.outcome === "abandoned") {
        await tx.endContest(contest.captureId, "abandoned", undefined, step.contenders, tick);
        await tx.touchTerritory(territory.territoryId, "abandoned");
      } else if (step.winnerGuildId === territory.controllerGuildId) {
        await tx.endContest(contest.captureId, "defended", step.winnerGuildId, step.contenders, tick);
        await tx.touchTerritory(territory.territoryId, "defended");
      } else {
        await tx.endContest(contest.captureId, "captured", step.winnerGuildId, step.contenders, tick);
        await tx.setControl(territory.territoryId, step.winnerGuildId, now);
        await tx.touchTerritory(territory.territoryId, "captured");
        await tx.publish(controlChanged(territory, contest.captureId, step.winnerGuildId, tick, now));
      }
    }
    return { changed: due.map((t) => t.territoryId), decided };
  };

  return {
    async start(playerId, request) {
      // Ownership first: a caller learns nothing about territories through someone else's character.
      const character = await store.character(request.characterId);
      if (character === undefined || character.deleted || character.playerId !== playerId) throw notCharacterOwner(request.characterId);
      const earlier = await replay(store, request);
      if (earlier !== undefined) return earlier;
      const { view, started } = await store.transaction(async (tx) => {
        const known = await tx.territory(request.territoryId);
        if (known === undefined) throw territoryNotFound(request.territoryId);
        // Zone before territory, the order CloseZone locks them in. Shared: a zone closing waits for this start
        // to commit, and then ends its contest.
        const zone = (await tx.lockZone(known.zoneId, "share"))!;
        const territory = (await tx.lockTerritory(request.territoryId))!;
        // Two retries at once: the second waited for the first's lock and finds its capture.
        const raced = await replay(tx, request);
        if (raced !== undefined) return { view: raced, started: false };
        if (!zone.open) throw zoneClosed(zone.zoneId, zone.closeReason);
        const me = (await tx.character(request.characterId))!;
        if (me.deleted) throw notCharacterOwner(request.characterId);
        if (me.guildId === undefined) throw notAGuildMember(request.characterId);
        if (me.position === undefined || me.position.zoneId !== territory.zoneId || !inside(territory.bounds, me.position.x, me.position.y)) {
          throw notAtTerritory(territory.territoryId);
        }
        if (territory.controllerGuildId === me.guildId) throw alreadyControlled(me.guildId);
        if (territory.contest !== undefined) throw captureInProgress(territory.contest.captureId);
        const now = clock.now();
        // It starts in the current tick; the next one is its first.
        if (!(await tx.startContest({ ...request, guildId: me.guildId, startedAt: now, tick: clock.tickAt(now) }))) throw captureIdReused(request.captureId);
        await tx.touchTerritory(territory.territoryId, "contested");
        await tx.publish([territoryContested(territory, request.captureId, me.guildId, request.characterId, now)]);
        return { view: await current(tx, territory.territoryId), started: true };
      });
      if (started) await announce(live, [view]);
      return view;
    },

    async tick(tick, { wait }) {
      const currentTick = clock.tickAt();
      // A tick run early would be stored on its contests, and the timer's real ticks up to it would then be skipped.
      if (tick > currentTick) throw tickInFuture(currentTick);
      const { views, decided } = await store.transaction(async (tx) => {
        if (!(await tx.lockTicks(wait))) return { views: [], decided: 0 };
        const done = await decide(tx, tick);
        const changed = await Promise.all(done.changed.map((id) => tx.territory(id)));
        return { views: await withPresence(tx, changed.map((t) => t!)), decided: done.decided };
      });
      await announce(live, views);
      return { advanced: views.length, decided };
    },
  };
}
