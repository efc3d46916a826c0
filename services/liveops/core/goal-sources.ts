import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { CharacterDefeatedSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { GoalKind } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { TerritoryCapturedSchema } from "@chaos/gen/chaos/world/v1/events_pb.js";
import type { CharacterCredit, Credit } from "./goals.js";

/** A kind of goal: the domain event that counts toward it, on which topic, and whom it credits how much. */
export interface GoalSource<Desc extends DescMessage = DescMessage> {
  readonly kind: GoalKind;
  readonly schema: Desc;
  readonly topic: { readonly domain: string; readonly stream: string };
  readonly credits: (message: MessageShape<Desc>) => Credit[];
}

const goal = <Desc extends DescMessage>(
  kind: GoalKind,
  schema: Desc,
  topic: GoalSource["topic"],
  credits: (message: MessageShape<Desc>) => Credit[],
): GoalSource => ({ kind, schema, topic, credits: credits as GoalSource["credits"] });

const one = (characterId: string | undefined, extra: Partial<CharacterCredit> = {}): Credit[] =>
  characterId === undefined || characterId === "" ? [] : [{ characterId, amount: 1n, ...extra }];
const eachMemberOf = (guildId: string): Credit[] => (guildId === "" ? [] : [{ guildId, amount: 1n }]);

/**
 * Every goal kind, one line each: a new kind is a GoalKind value and a line
 * here (the manifest consumes the topics named here, the consumer routes
 * these event types).
 */
export const goalSources: readonly GoalSource[] = [
  goal(GoalKind.DEFEATS, CharacterDefeatedSchema, { domain: "combat", stream: "casts" }, (d) => one(d.victorCharacterId)),
  goal(GoalKind.SPELL_CASTS, SpellCastSchema, { domain: "combat", stream: "casts" }, (c) => one(c.casterCharacterId, { school: c.school })),
  goal(GoalKind.TRADES_SETTLED, TradeSettledSchema, { domain: "trading", stream: "trades" }, (s) => [...one(s.trade?.proposer?.characterId), ...one(s.trade?.counterparty?.characterId)]),
  goal(GoalKind.TERRITORY_CAPTURES, TerritoryCapturedSchema, { domain: "world", stream: "territories" }, (c) => eachMemberOf(c.guildId)),
];
