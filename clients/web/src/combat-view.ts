import type { Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { className } from "./character-class.js";
import { h, type View } from "./dom.js";
import { describeError, showProblem } from "./errors.js";
import { createMeter } from "./meter.js";
import type { CharacterNames } from "./names.js";
import { poll } from "./poll.js";
import { createSpellBar } from "./spell-bar.js";
import { createTargetList } from "./target-list.js";
import { durationMs } from "./time.js";
import { zoneLabel, zoneOf } from "./zone.js";

/** How often mana, health and cooldowns are re-read (they also update from every cast response). */
const combatStateIntervalMs = 1_000;
/** How often the zone's characters (targets and their health) are re-read. */
const zoneIntervalMs = 2_000;

/**
 * The battle screen of one character: its health and mana, its spells with
 * cooldowns, the targets in its zone, and the outcome of the last cast.
 */
export function createCombatView(api: Api, names: CharacterNames, character: Character, onCast: () => void): View {
  const casterId = character.characterId;
  const zoneId = zoneOf(character);
  let casting = false;
  // Snapshots requested before the latest cast answered are older than what the cast told us.
  let castAnsweredAt = 0;
  let maxMana = character.stats?.maxMana ?? 0;

  const health = createMeter("health", "Your health", "caster-health");
  const mana = createMeter("mana", "Your mana", "mana");
  if (character.stats !== undefined) {
    health.set(character.stats.health, character.stats.maxHealth);
    mana.set(character.stats.mana, character.stats.maxMana);
  }
  const targets = createTargetList(() => spells.setReady(!casting));
  const spells = createSpellBar((spell) => void cast(spell));
  const result = h("p", { class: "cast-result", role: "status", "aria-live": "polite", "data-testid": "cast-result" }, "Pick a target and cast a spell.");
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "combat-error" });
  // Shown while the periodic reads fail, so stale numbers are not mistaken for live ones.
  const sync = h("p", { class: "sync-warning", role: "status", hidden: true, "data-testid": "combat-sync" });
  const log = h("ol", { class: "combat-log", "aria-label": "Combat log", "data-testid": "combat-log" });

  const element = h(
    "section",
    { class: "panel combat", "aria-labelledby": "combat-title", "data-testid": "combat" },
    h(
      "header",
      { class: "combat-header" },
      h("div", {}, h("h2", { id: "combat-title" }, character.name), h("p", { class: "muted" }, `${className(character.characterClass)} · ${zoneLabel(zoneId)}`)),
      h("div", { class: "vitals" }, h("span", { class: "vital-label" }, "Health"), health.element, h("span", { class: "vital-label" }, "Mana"), mana.element),
    ),
    sync,
    h("h3", {}, "Spells"),
    spells.element,
    alert,
    result,
    h("h3", {}, "Targets"),
    targets.element,
    h("h3", { class: "visually-hidden" }, "Combat log"),
    log,
  );

  async function cast(spell: Spell) {
    const target = targets.selected();
    if (target === undefined || casting) return;
    casting = true;
    spells.setReady(false);
    try {
      const outcome = await api.combat.castSpell({
        casterCharacterId: casterId,
        spellId: spell.spellId,
        targetId: target.characterId,
        idempotencyKey: crypto.randomUUID(),
      });
      castAnsweredAt = performance.now();
      showProblem(alert, undefined);
      mana.set(outcome.casterMana, maxMana);
      spells.setCooldown(spell.spellId, durationMs(outcome.cooldownRemaining));
      targets.setHealth(target.characterId, outcome.targetHealth, outcome.targetDefeated);
      const line = `${spell.displayName} hits ${target.name} for ${outcome.damage} damage. ${target.name} has ${outcome.targetHealth} health left.`;
      result.replaceChildren(line, outcome.targetDefeated ? h("strong", { class: "defeated-banner" }, ` ${target.name} is defeated!`) : "");
      result.classList.toggle("victory", outcome.targetDefeated);
      addToLog(outcome.targetDefeated ? `${line} Defeated!` : line);
      onCast();
    } catch (error) {
      const problem = showProblem(alert, error);
      if (problem?.reason === "ON_COOLDOWN") spells.setCooldown(spell.spellId, Number(problem.metadata.remaining_ms ?? 0));
      if (problem?.reason === "TARGET_DEFEATED") targets.setHealth(target.characterId, 0, true);
    } finally {
      casting = false;
      spells.setReady(targets.selected() !== undefined);
    }
  }

  function addToLog(text: string) {
    log.prepend(h("li", {}, h("time", {}, new Date().toLocaleTimeString()), " ", text));
    while (log.children.length > 8) log.lastElementChild?.remove();
  }

  api.combat
    .listSpells({ characterId: casterId })
    .then(({ spells: known }) => {
      spells.setSpells(known);
      spells.setReady(targets.selected() !== undefined);
    })
    .catch((error: unknown) => showProblem(alert, error));

  const reportingFailures = (task: () => Promise<void>) => async () => {
    try {
      await task();
      sync.hidden = true;
    } catch (error) {
      sync.textContent = `Lost contact: ${describeError(error).message} Retrying…`;
      sync.hidden = false;
    }
  };

  const stopState = poll(reportingFailures(async () => {
    const requestedAt = performance.now();
    const state = await api.combat.getCombatState({ characterId: casterId });
    health.set(state.health, state.maxHealth);
    maxMana = state.maxMana;
    if (requestedAt < castAnsweredAt) return;
    mana.set(state.mana, state.maxMana);
    for (const cooldown of state.cooldowns) spells.setCooldown(cooldown.spellId, durationMs(cooldown.remaining));
  }), combatStateIntervalMs);

  const stopZone = poll(reportingFailures(async () => {
    const requestedAt = performance.now();
    const { characters } = await api.player.listCharactersInZone({ zoneId, pageSize: 100 });
    for (const c of characters) names.remember(c.characterId, c.name);
    if (requestedAt < castAnsweredAt) return;
    targets.update(characters.filter((c) => c.characterId !== casterId && (c.playerId === "" || c.playerId !== character.playerId)));
  }), zoneIntervalMs);

  return {
    element,
    dispose() {
      stopState();
      stopZone();
      spells.dispose();
    },
  };
}
