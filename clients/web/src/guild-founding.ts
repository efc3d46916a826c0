import { GuildJoinPolicy, type Invite } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { formatGold } from "./gold.js";
import type { Purse } from "./purse.js";
import { createSubmitKeys } from "./submit-keys.js";
import { timestampMs, timeUntil } from "./time.js";

/** What a character in no guild sees: its invitations, and the form to found a guild. */
export interface GuildFounding extends View {
  /** Shows the pending invitations (newest first). */
  setInvites(invites: readonly Invite[]): void;
}

/**
 * Creates the screen of `character`. `onJoined` is told when the character
 * founded or joined a guild, so the guild page replaces this screen.
 */
export function createGuildFounding(api: Api, character: Character, purse: Purse, onJoined: () => void): GuildFounding {
  const actorCharacterId = character.characterId;
  const busy = new Set<string>();
  let invites: readonly Invite[] = [];

  const inviteList = h("ul", { class: "invite-list", "aria-labelledby": "my-invites-title", "data-testid": "my-invites" });
  const noInvites = h("p", { class: "muted small" }, "No invitations. A guild member can invite you by your character id:");
  const ownId = h("code", { class: "character-id", "data-testid": "own-character-id" }, actorCharacterId);
  const inviteAlert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "invite-error" });

  const name = h("input", { type: "text", name: "guild-name", required: true, minlength: 3, maxlength: 32, autocomplete: "off", pattern: "[\\p{L}\\p{N}][\\p{L}\\p{N} '\\-]*[\\p{L}\\p{N}]" });
  const tag = h("input", { type: "text", name: "guild-tag", required: true, pattern: "[A-Z0-9]{2,5}", maxlength: 5, autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  tag.addEventListener("input", () => {
    tag.value = tag.value.toUpperCase();
  });
  const description = h("input", { type: "text", name: "guild-description", maxlength: 500, autocomplete: "off" });
  const createAlert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "create-guild-error" });
  const create = h("button", { type: "submit", class: "primary" }, "Found guild");
  const keys = createSubmitKeys();
  const wallet = h("span", { "data-testid": "founding-wallet" });
  const paintWallet = () => {
    wallet.textContent = purse.wallet === undefined ? "" : `You have ${formatGold(purse.wallet.balance)}.`;
  };
  const form = h(
    "form",
    { class: "stack guild-create", "aria-labelledby": "create-guild-title", "data-testid": "create-guild" },
    h("h3", { id: "create-guild-title" }, "Found a guild"),
    h("p", { class: "muted small" }, `${character.name} becomes its leader. Founding costs a fee from your wallet. `, wallet),
    h("div", { class: "field-row" }, field("Guild name", name, "3–32 letters, digits, spaces, ' or -."), field("Tag", tag, "2–5 capitals or digits.")),
    field("Description", description, "Optional: what the guild is about."),
    createAlert,
    create,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = {
      actorCharacterId,
      name: name.value.trim(),
      tag: tag.value.trim(),
      description: description.value.trim(),
      // Members come in by invitation: the console has no join requests yet.
      joinPolicy: GuildJoinPolicy.INVITE_ONLY,
    };
    create.disabled = true;
    api.guild
      .createGuild({ ...request, idempotencyKey: keys.keyFor(request) })
      .then(() => {
        keys.answered();
        showProblem(createAlert, undefined);
        // The fee left the wallet.
        void purse.refresh().catch(() => undefined);
        onJoined();
      })
      .catch((error: unknown) => showProblem(createAlert, error))
      .finally(() => {
        create.disabled = false;
      });
  });

  async function answer(invite: Invite, accept: boolean) {
    if (busy.has(invite.inviteId)) return;
    busy.add(invite.inviteId);
    paint();
    try {
      const request = { actorCharacterId, inviteId: invite.inviteId };
      if (accept) await api.guild.acceptInvite(request);
      else await api.guild.declineInvite(request);
      showProblem(inviteAlert, undefined);
      invites = invites.filter((i) => i.inviteId !== invite.inviteId);
      if (accept) onJoined();
    } catch (error) {
      showProblem(inviteAlert, error);
    } finally {
      busy.delete(invite.inviteId);
      paint();
    }
  }

  function paint() {
    inviteList.replaceChildren(
      ...invites.map((invite) => {
        const disabled = busy.has(invite.inviteId);
        return h(
          "li",
          { class: "invite-card", "data-testid": "invite", "data-invite-id": invite.inviteId },
          h(
            "div",
            { class: "invite-guild" },
            h("span", { class: "guild-tag" }, invite.guildTag),
            h("strong", { class: "invite-guild-name" }, invite.guildName),
          ),
          h("p", { class: "muted small" }, `Invited by ${invite.invitedByCharacterName || "a member"} · expires ${timeUntil(timestampMs(invite.expireTime))}`),
          h(
            "div",
            { class: "row-actions" },
            h("button", { type: "button", class: "primary", disabled, onclick: () => void answer(invite, true) }, "Join"),
            h("button", { type: "button", class: "ghost", disabled, onclick: () => void answer(invite, false) }, "Decline"),
          ),
        );
      }),
    );
    noInvites.hidden = invites.length > 0;
    ownId.hidden = invites.length > 0;
  }

  paint();
  paintWallet();
  const stopPurseView = purse.subscribe(paintWallet);
  const element = h(
    "div",
    { class: "guild-founding" },
    h("section", { class: "guild-card", "aria-labelledby": "my-invites-title" }, h("h3", { id: "my-invites-title" }, "Your invitations"), inviteAlert, inviteList, noInvites, ownId),
    form,
  );
  return {
    element,
    dispose: stopPurseView,
    setInvites(next) {
      const before = invites.map((i) => i.inviteId).join();
      invites = next;
      if (before !== next.map((i) => i.inviteId).join()) paint();
    },
  };
}
