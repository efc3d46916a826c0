import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { GoalKind, LiveEventState } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import type { CharacterRecord, ClaimRecord, GoalRecord, InstanceRecord, LiveEventRecord, ParticipationRecord, StandingRecord, Window } from "./live-event-records.js";

/** Where a page of events ended: newest schedule first. */
export interface EventCursor {
  readonly startsAt: Date;
  readonly eventId: string;
}

/** A joined participation that a source event of the goal's kind might credit. */
export interface CreditCandidate {
  readonly participation: ParticipationRecord;
  readonly window: Window;
  readonly goal: GoalRecord;
  readonly cancelledAt: Date | undefined;
}

/** Reads outside any transaction, and the way into one. */
export interface LiveopsStore {
  event(eventId: string): Promise<LiveEventRecord | undefined>;
  /** Events in `state` at `now` (all when undefined), newest start first, after `cursor`. */
  listEvents(state: LiveEventState | undefined, now: Date, cursor: EventCursor | undefined, limit: number): Promise<LiveEventRecord[]>;
  instance(instanceId: string): Promise<InstanceRecord | undefined>;
  participation(instanceId: string, characterId: string): Promise<ParticipationRecord | undefined>;
  claim(instanceId: string, characterId: string, tier: number): Promise<ClaimRecord | undefined>;
  character(characterId: string): Promise<CharacterRecord | undefined>;
  /** The occurrence's participants by progress (then join time), from `offset`. */
  standings(instanceId: string, offset: number, limit: number): Promise<StandingRecord[]>;
  transaction<T>(work: (tx: LiveopsTransaction) => Promise<T>): Promise<T>;
}

/** Changes that commit together with their events. */
export interface LiveopsTransaction {
  /** Whether this transaction holds the schedule job's lock (one replica's job runs at a time; the others skip the round). */
  tryScheduleLock(): Promise<boolean>;
  insertEvent(event: LiveEventRecord, firstStartsAt: Date): Promise<void>;
  /** The event, its row locked until commit. */
  lockEvent(eventId: string): Promise<LiveEventRecord | undefined>;
  updateEvent(event: LiveEventRecord, firstStartsAt: Date): Promise<void>;
  /** Events not cancelled whose schedule holds `now`. */
  runningEvents(now: Date): Promise<LiveEventRecord[]>;
  /** The occurrence's row, made on first use (by a join or the schedule job, whichever comes first). */
  ensureInstance(instanceId: string, eventId: string, window: Window): Promise<InstanceRecord>;
  /** Occurrences of events not cancelled that started by `now` and were not announced (not locked: see lockInstance). */
  instancesToStart(now: Date): Promise<InstanceRecord[]>;
  /** The occurrence, its row locked until commit. */
  lockInstance(instanceId: string): Promise<InstanceRecord | undefined>;
  /** Announced occurrences whose window closed by `now`; with `eventId`, every one of that event started by `now` and not announced ended, announced started or not. */
  instancesToEnd(now: Date, eventId?: string): Promise<InstanceRecord[]>;
  markAnnounced(instanceId: string, which: "start" | "end"): Promise<void>;
  participantCount(instanceId: string): Promise<bigint>;
  character(characterId: string): Promise<CharacterRecord | undefined>;
  participation(instanceId: string, characterId: string): Promise<ParticipationRecord | undefined>;
  /** Inserts the participation; false when the character had joined already. */
  insertParticipation(participation: ParticipationRecord): Promise<boolean>;
  /** The character's participations in occurrences of events with goals of `kind` whose window had not closed at `at`. */
  creditCandidates(characterId: string, kind: GoalKind, at: Date): Promise<CreditCandidate[]>;
  /**
   * Records one source event's progress for one participation: the progress
   * afterwards, or undefined when that source event was counted already
   * (keyed by occurrence, character and source event id).
   */
  addCredit(instanceId: string, characterId: string, sourceEventId: string, amount: bigint, at: Date): Promise<bigint | undefined>;
  /** Stores the claim unless one is there; the stored one, and whether it is this one. */
  insertClaim(claim: ClaimRecord): Promise<{ claim: ClaimRecord; inserted: boolean }>;
  recordCharacter(character: Omit<CharacterRecord, "deleted">): Promise<void>;
  /** The characters in the guild (liveops' read model of guild's events). */
  guildMembers(guildId: string): Promise<string[]>;
  /** The character is in the guild from now on (a character is in one guild at a time). */
  addGuildMember(guildId: string, characterId: string): Promise<void>;
  /** The character left the guild (left, kicked); a later join elsewhere is not undone. */
  removeGuildMember(guildId: string, characterId: string): Promise<void>;
  removeGuild(guildId: string): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}
