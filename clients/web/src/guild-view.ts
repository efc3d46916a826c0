import { GuildJoinPolicy, GuildRoleKind } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { GetMyGuildResponse } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError, showProblem } from "./errors.js";
import { createGuildBank, type GuildBank } from "./guild-bank.js";
import { createGuildFounding, type GuildFounding } from "./guild-founding.js";
import { createGuildMembers, type GuildMembers } from "./guild-members.js";
import { createGuildRoles, type GuildRoles } from "./guild-roles.js";
import type { CharacterNames } from "./names.js";
import { poll } from "./poll.js";
import type { Nearby } from "./nearby.js";
import type { Purse } from "./purse.js";

/** How often the guild (membership, roles, bank balance, invitations) is re-read; the guild service publishes no feed event the gateway forwards. */
const guildIntervalMs = 3_000;

type Screen =
  | { readonly kind: "none"; readonly founding: GuildFounding }
  | { readonly kind: "member"; readonly guildId: string; readonly members: GuildMembers; readonly roles: GuildRoles; readonly bank: GuildBank };

/**
 * The guild page of one character. In no guild: its invitations (join or
 * decline) and the form to found one. In a guild: the guild's name and the
 * character's role, the members with their roles (paged), inviting, the
 * role editor and the bank with its history. `onAttention` gets the number
 * of invitations waiting for an answer.
 */
export function createGuildView(api: Api, names: CharacterNames, character: Character, purse: Purse, nearby: Nearby, onAttention: (waiting: number) => void): View {
  const actorCharacterId = character.characterId;
  let screen: Screen | undefined;

  const title = h("h2", { id: "guild-title" }, "Guild");
  const subtitle = h("p", { class: "muted guild-subtitle", "data-testid": "guild-subtitle" }, "Loading…");
  const sync = h("p", { class: "sync-warning", role: "status", hidden: true, "data-testid": "guild-sync" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "guild-error" });
  const actions = h("div", { class: "row-actions guild-actions" });
  const body = h("div", { class: "guild-body" });
  const element = h(
    "section",
    { class: "panel guild", "aria-labelledby": "guild-title", "data-testid": "guild" },
    h("header", { class: "section-header guild-header" }, h("div", { class: "guild-heading" }, title, subtitle), actions),
    sync,
    alert,
    body,
  );

  function dispose(current: Screen | undefined) {
    if (current === undefined) return;
    if (current.kind === "none") current.founding.dispose();
    else for (const part of [current.members, current.roles, current.bank]) part.dispose();
  }

  function showFounding(): GuildFounding {
    const founding = createGuildFounding(api, character, purse, () => void refresh());
    dispose(screen);
    screen = { kind: "none", founding };
    title.replaceChildren("Guild");
    subtitle.textContent = `${character.name} is in no guild yet.`;
    actions.replaceChildren();
    body.replaceChildren(founding.element);
    return founding;
  }

  function showGuild(mine: GetMyGuildResponse): Extract<Screen, { kind: "member" }> {
    const members = createGuildMembers(api, names, character, mine);
    const roles = createGuildRoles(api, mine, () => void refresh());
    const bank = createGuildBank(api, names, purse, mine, () => void refresh());
    members.setNearby(nearby.characters);
    dispose(screen);
    const next = { kind: "member", guildId: mine.guild?.guildId ?? "", members, roles, bank } as const;
    screen = next;
    body.replaceChildren(
      h("div", { class: "guild-layout" }, h("div", { class: "guild-column" }, members.element), h("div", { class: "guild-column" }, bank.element, roles.element)),
    );
    void bank.refresh().catch((error: unknown) => showProblem(alert, error));
    return next;
  }

  function paintHeader(mine: GetMyGuildResponse) {
    const guild = mine.guild;
    if (guild === undefined) return;
    title.replaceChildren(h("span", { class: "guild-tag", "data-testid": "guild-tag" }, guild.tag), h("span", { "data-testid": "guild-name" }, guild.name));
    const policy = guild.joinPolicy === GuildJoinPolicy.OPEN ? "open to requests" : "by invitation";
    subtitle.replaceChildren(
      `${guild.memberCount} ${guild.memberCount === 1 ? "member" : "members"} · ${policy} · you are `,
      h("span", { class: "role-badge", "data-testid": "own-role" }, mine.role?.name ?? "a member"),
      guild.description ? h("span", { class: "guild-description" }, guild.description) : "",
    );
    const leading = mine.role?.kind === GuildRoleKind.LEADER;
    if (leading) {
      actions.replaceChildren();
      return;
    }
    if (actions.childElementCount > 0) return;
    const leave = h("button", { type: "button", class: "ghost danger" }, "Leave guild");
    leave.addEventListener("click", () => {
      // Two presses instead of a confirm() dialog.
      if (leave.dataset.armed !== "true") {
        leave.dataset.armed = "true";
        leave.textContent = "Press again to leave";
        window.setTimeout(() => {
          leave.dataset.armed = "false";
          leave.textContent = "Leave guild";
        }, 4_000);
        return;
      }
      leave.disabled = true;
      api.guild
        .leaveGuild({ actorCharacterId })
        .then(() => refresh())
        .catch((error: unknown) => showProblem(alert, error))
        .finally(() => {
          leave.disabled = false;
        });
    });
    actions.replaceChildren(leave);
  }

  async function refresh() {
    const mine = await api.guild.getMyGuild({ actorCharacterId });
    if (mine.guild === undefined) {
      const founding = screen?.kind === "none" ? screen.founding : showFounding();
      const { invites } = await api.guild.listMyInvites({ actorCharacterId, pageSize: 20 });
      founding.setInvites(invites);
      onAttention(invites.length);
      return;
    }
    onAttention(0);
    const current = screen?.kind === "member" && screen.guildId === mine.guild.guildId ? screen : showGuild(mine);
    paintHeader(mine);
    current.members.setGuild(mine);
    current.roles.setGuild(mine);
    current.bank.setGuild(mine);
    await current.members.refresh();
  }

  // Guild learns of a character from player's events, a moment after it is created.
  const notYetKnown = `The guild hall has not heard of ${character.name} yet: that takes a moment after a character is created. Retrying…`;
  const stopGuild = poll(async () => {
    try {
      await refresh();
      sync.hidden = true;
    } catch (error) {
      const problem = describeError(error);
      sync.textContent = problem.reason === "NOT_CHARACTER_OWNER" ? notYetKnown : `Lost contact: ${problem.message} Retrying…`;
      sync.hidden = false;
    }
  }, guildIntervalMs);
  const stopNearby = nearby.subscribe((characters) => {
    if (screen?.kind === "member") screen.members.setNearby(characters);
  });
  return {
    element,
    dispose() {
      stopGuild();
      stopNearby();
      dispose(screen);
    },
  };
}
