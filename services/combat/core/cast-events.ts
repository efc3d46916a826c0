import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import type { Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { CastRecord } from "../store/cast-log.js";
import { cooldownMsOf } from "./spells.js";

/** Combat's events go to chaos.combat.v1.casts, keyed by the caster (the aggregate), so one caster's casts stay in order. */
function castEvent<Desc extends DescMessage>(cast: CastRecord, schema: Desc, message: MessageShape<Desc>): OutgoingEvent {
  return { topic: topicName("combat", "casts"), aggregateId: cast.casterCharacterId, schema, message };
}

/** SpellCast always; DamageDealt when the hit changed health; CharacterDefeated when it brought it to zero. */
export function castEvents(cast: CastRecord, spell: Spell, at: Date): OutgoingEvent[] {
  const time = timestampFromDate(at);
  const events = [
    castEvent(
      cast,
      SpellCastSchema,
      create(SpellCastSchema, {
        castId: cast.castId,
        casterCharacterId: cast.casterCharacterId,
        casterPlayerId: cast.casterPlayerId,
        targetId: cast.targetId,
        spellId: spell.spellId,
        school: spell.school,
        manaSpent: spell.manaCost,
        castTime: time,
        cooldownMs: cooldownMsOf(spell),
        baseDamage: spell.baseDamage,
      }),
    ),
  ];
  if (cast.damage > 0) {
    events.push(
      castEvent(
        cast,
        DamageDealtSchema,
        create(DamageDealtSchema, {
          castId: cast.castId,
          sourceCharacterId: cast.casterCharacterId,
          targetId: cast.targetId,
          targetPlayerId: cast.targetPlayerId,
          amount: cast.damage,
          school: spell.school,
          targetHealthAfter: cast.targetHealth,
          dealtTime: time,
        }),
      ),
    );
  }
  if (cast.targetDefeated) {
    events.push(
      castEvent(
        cast,
        CharacterDefeatedSchema,
        create(CharacterDefeatedSchema, {
          castId: cast.castId,
          defeatedId: cast.targetId,
          defeatedPlayerId: cast.targetPlayerId,
          victorCharacterId: cast.casterCharacterId,
          victorPlayerId: cast.casterPlayerId,
          defeatTime: time,
        }),
      ),
    );
  }
  return events;
}
