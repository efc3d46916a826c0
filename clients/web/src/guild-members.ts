import { GuildPermission, GuildRoleKind, type GuildRole, type Invite, type Member } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { GetMyGuildResponse } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import { CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { className } from "./character-class.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { allows } from "./guild-permissions.js";
import type { CharacterNames } from "./names.js";
import { timestampMs, timeUntil } from "./time.js";

/** Members shown per page; "Show more" reads the next page. */
const membersPageSize = 20;
const uuidPattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** The members part of the guild page: the roster with roles, inviting, and the guild's pending invites. */
export interface GuildMembers extends View {
  /** Takes the latest GetMyGuild answer (the actor's role decides which controls show). */
  setGuild(mine: GetMyGuildResponse): void;
  /** Shows the zone's players, to pick whom to invite. */
  setNearby(characters: readonly Character[]): void;
  /** Re-reads the roster and the pending invites. */
  refresh(): Promise<void>;
}

/** Creates the members part for `character`, a member of the guild `mine` describes. */
export function createGuildMembers(api: Api, names: CharacterNames, character: Character, initial: GetMyGuildResponse): GuildMembers {
  const actorCharacterId = character.characterId;
  const guildId = initial.guild?.guildId ?? "";
  let mine = initial;
  let members: Member[] = [];
  let nextPageToken = "";
  let pendingInvites: readonly Invite[] = [];
  let nearby: readonly Character[] = [];
  let painted = "";
  const busy = new Set<string>();

  const roster = h("ul", { class: "member-list", "aria-labelledby": "members-title", "data-testid": "guild-members" });
  const more = h("button", { type: "button", class: "ghost more", hidden: true, onclick: () => void readMore() }, "Show more members");
  const rosterAlert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "members-error" });

  const inviteeId = h("input", { type: "text", name: "invitee", required: true, pattern: uuidPattern, autocomplete: "off", spellcheck: "false", placeholder: "paste a character id" });
  const chips = h("ul", { class: "chip-list", "aria-label": "Players nearby to invite", "data-testid": "invite-nearby" });
  const inviteAlert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "guild-invite-error" });
  const inviteStatus = h("p", { class: "small ok", role: "status", "data-testid": "guild-invite-status" });
  const inviteButton = h("button", { type: "submit", class: "primary" }, "Send invitation");
  const inviteForm = h(
    "form",
    { class: "stack invite-form", "aria-labelledby": "invite-title", "data-testid": "invite-form" },
    h("h3", { id: "invite-title" }, "Invite"),
    chips,
    field("Character to invite", inviteeId, "Pick a player nearby, or paste the character id they see on their guild page."),
    inviteAlert,
    inviteStatus,
    inviteButton,
  );
  const pendingList = h("ul", { class: "invite-list", "aria-labelledby": "pending-invites-title", "data-testid": "guild-invites" });
  const pendingEmpty = h("p", { class: "muted small" }, "No invitations waiting for an answer.");
  const pendingSection = h("div", {}, h("h3", { id: "pending-invites-title" }, "Invitations sent"), pendingList, pendingEmpty);

  inviteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    inviteButton.disabled = true;
    inviteStatus.textContent = "";
    api.guild
      .inviteMember({ actorCharacterId, characterId: inviteeId.value.trim().toLowerCase() })
      .then(({ invite }) => {
        showProblem(inviteAlert, undefined);
        inviteStatus.textContent = `Invitation sent to ${invite?.characterName || "them"}.`;
        inviteeId.value = "";
        paintChips();
        return refreshInvites();
      })
      .catch((error: unknown) => showProblem(inviteAlert, error))
      .finally(() => {
        inviteButton.disabled = false;
      });
  });
  inviteeId.addEventListener("input", () => paintChips());

  const element = h(
    "section",
    { class: "guild-card guild-members", "aria-labelledby": "members-title" },
    h("h3", { id: "members-title" }, "Members"),
    rosterAlert,
    roster,
    more,
    inviteForm,
    pendingSection,
  );

  const role = () => mine.role;
  const rank = () => role()?.rank ?? Number.MAX_SAFE_INTEGER;
  const can = (permission: GuildPermission) => allows(role(), permission);

  async function act(key: string, alert: HTMLElement, call: () => Promise<unknown>) {
    if (busy.has(key)) return;
    busy.add(key);
    paint(true);
    try {
      await call();
      showProblem(alert, undefined);
      await refresh();
    } catch (error) {
      showProblem(alert, error);
    } finally {
      busy.delete(key);
      paint(true);
    }
  }

  /** Roles a member may be given by the actor: ranked below the actor's, never the leader's. */
  function assignableRoles(): GuildRole[] {
    return mine.roles.filter((r) => r.kind !== GuildRoleKind.LEADER && r.rank > rank());
  }

  function memberRow(member: Member): HTMLLIElement {
    const self = member.characterId === actorCharacterId;
    const below = member.rank > rank();
    const disabled = busy.has(member.characterId);
    const controls: HTMLElement[] = [];
    if (!self && below && can(GuildPermission.PROMOTE)) {
      const select = h(
        "select",
        { "aria-label": `Role of ${member.characterName}`, disabled },
        ...assignableRoles().map((r) => h("option", { value: r.roleId, selected: r.roleId === member.roleId }, r.name)),
      );
      select.addEventListener("change", () =>
        void act(member.characterId, rosterAlert, () => api.guild.changeMemberRole({ actorCharacterId, characterId: member.characterId, roleId: select.value })),
      );
      controls.push(select);
    }
    if (!self && below && can(GuildPermission.KICK)) {
      const kick = h("button", { type: "button", class: "ghost danger", disabled }, "Remove");
      // Two steps instead of a confirm() dialog: the second press within a few seconds removes.
      kick.addEventListener("click", () => {
        if (kick.dataset.armed !== "true") {
          kick.dataset.armed = "true";
          kick.textContent = `Remove ${member.characterName}?`;
          window.setTimeout(() => {
            kick.dataset.armed = "false";
            kick.textContent = "Remove";
          }, 4_000);
          return;
        }
        void act(member.characterId, rosterAlert, () => api.guild.kickMember({ actorCharacterId, characterId: member.characterId, reason: "" }));
      });
      controls.push(kick);
    }
    const joined = new Date(timestampMs(member.joinTime));
    return h(
      "li",
      { class: `member${self ? " own" : ""}`, "data-testid": "guild-member", "data-character-id": member.characterId, "data-rank": member.rank },
      h("span", { class: `rank-sigil rank-${Math.min(member.rank, 5)}`, "aria-hidden": "true" }),
      h(
        "span",
        { class: "member-label" },
        h("span", { class: "member-name", "data-testid": "member-name" }, member.characterName, self ? h("span", { class: "you" }, " (you)") : undefined),
        h("span", { class: "member-meta" }, h("span", { class: "role-badge", "data-testid": "member-role" }, member.roleName), ` · joined ${joined.toLocaleDateString()}`),
      ),
      controls.length > 0 ? h("span", { class: "member-controls" }, ...controls) : undefined,
    );
  }

  function paintChips() {
    const chosen = inviteeId.value.trim().toLowerCase();
    const inGuild = new Set(members.map((m) => m.characterId));
    const invited = new Set(pendingInvites.map((i) => i.characterId));
    chips.replaceChildren(
      ...nearby
        .filter((c) => !inGuild.has(c.characterId))
        .map((c) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "chip",
                "aria-pressed": String(c.characterId === chosen),
                "data-testid": "invite-partner",
                onclick: () => {
                  inviteeId.value = c.characterId;
                  paintChips();
                },
              },
              h("span", { class: "chip-name" }, c.name),
              h("span", { class: "chip-meta" }, invited.has(c.characterId) ? "invited" : `Lv ${c.stats?.level ?? 1} ${className(c.characterClass)}`),
            ),
          ),
        ),
    );
  }

  function paint(force = false) {
    const fingerprint = JSON.stringify([
      members.map((m) => `${m.characterId}:${m.roleId}`),
      pendingInvites.map((i) => i.inviteId),
      mine.role?.roleId,
      mine.roles.map((r) => `${r.roleId}:${r.name}:${r.rank}:${r.permissions.join(".")}`),
      nextPageToken,
    ]);
    if (!force && fingerprint === painted) return;
    painted = fingerprint;
    roster.replaceChildren(...members.map(memberRow));
    more.hidden = nextPageToken === "";
    const inviting = can(GuildPermission.INVITE);
    inviteForm.hidden = !inviting;
    pendingSection.hidden = !inviting;
    pendingList.replaceChildren(
      ...pendingInvites.map((invite) =>
        h(
          "li",
          { class: "invite-card", "data-testid": "guild-invite", "data-invite-id": invite.inviteId },
          h("strong", {}, invite.characterName),
          h("span", { class: "muted small" }, ` invited by ${invite.invitedByCharacterName} · expires ${timeUntil(timestampMs(invite.expireTime))}`),
          h(
            "div",
            { class: "row-actions" },
            h(
              "button",
              {
                type: "button",
                class: "ghost",
                disabled: busy.has(invite.inviteId),
                onclick: () => void act(invite.inviteId, inviteAlert, () => api.guild.revokeInvite({ actorCharacterId, inviteId: invite.inviteId })),
              },
              "Revoke",
            ),
          ),
        ),
      ),
    );
    pendingEmpty.hidden = pendingInvites.length > 0;
    paintChips();
  }

  async function readMore() {
    more.disabled = true;
    try {
      const page = await api.guild.listMembers({ guildId, pageSize: membersPageSize, pageToken: nextPageToken });
      members = [...members, ...page.members.filter((m) => !members.some((known) => known.characterId === m.characterId))];
      nextPageToken = page.nextPageToken;
      remember(page.members);
      paint();
    } catch (error) {
      showProblem(rosterAlert, error);
    } finally {
      more.disabled = false;
    }
  }

  function remember(list: readonly Member[]) {
    for (const m of list) names.remember(m.characterId, m.characterName);
  }

  async function refreshInvites() {
    if (!can(GuildPermission.INVITE)) {
      pendingInvites = [];
      return;
    }
    pendingInvites = (await api.guild.listGuildInvites({ actorCharacterId, pageSize: 50 })).invites;
    paint();
  }

  /** Re-reads as many members as are shown (at least a page), so the roster does not shrink as it refreshes. */
  async function refresh() {
    const pageSize = Math.min(100, Math.max(membersPageSize, members.length));
    const [page] = await Promise.all([api.guild.listMembers({ guildId, pageSize }), refreshInvites()]);
    members = page.members;
    nextPageToken = page.nextPageToken;
    remember(members);
    showProblem(rosterAlert, undefined);
    paint();
  }

  return {
    element,
    dispose: () => undefined,
    setGuild(next) {
      mine = next;
      paint();
    },
    setNearby(characters) {
      nearby = characters.filter((c) => c.kind === CharacterKind.PLAYER && c.characterId !== actorCharacterId && (c.playerId === "" || c.playerId !== character.playerId));
      paintChips();
    },
    refresh,
  };
}
