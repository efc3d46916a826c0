import { GuildPermission, GuildRoleKind, type GuildRole } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { GetMyGuildResponse } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { formatGold, parseAmount } from "./gold.js";
import { allows, guildPermissions } from "./guild-permissions.js";

/** The role editor of the guild page. */
export interface GuildRoles extends View {
  setGuild(mine: GetMyGuildResponse): void;
}

/** What a role form holds. */
interface RoleFields {
  readonly name: string;
  readonly rank: number;
  readonly permissions: GuildPermission[];
  readonly dailyWithdrawalLimit: bigint;
}

const kindLabels: Readonly<Record<GuildRoleKind, string>> = {
  [GuildRoleKind.UNSPECIFIED]: "",
  [GuildRoleKind.LEADER]: "Leader's role",
  [GuildRoleKind.ENTRY]: "New members' role",
  [GuildRoleKind.STANDARD]: "",
};

/**
 * Every role of the guild, highest first. Members with GUILD_PERMISSION_EDIT_ROLES
 * edit the roles ranked below their own (name, rank, permissions, daily
 * withdrawal limit), create roles and delete unused ones; others see them read-only.
 * A role being edited is not repainted by a refresh, so typing is never lost.
 */
export function createGuildRoles(api: Api, initial: GetMyGuildResponse, onChanged: () => void): GuildRoles {
  const actorCharacterId = initial.member?.characterId ?? "";
  let mine = initial;
  let painted = "";
  const dirty = new Set<string>();
  const list = h("ul", { class: "role-list", "aria-labelledby": "roles-title", "data-testid": "guild-roles" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "roles-error" });
  const status = h("p", { class: "small ok", role: "status", "data-testid": "roles-status" });
  const newRoleSlot = h("div", {});
  const element = h(
    "section",
    { class: "guild-card guild-roles", "aria-labelledby": "roles-title" },
    h("h3", { id: "roles-title" }, "Roles"),
    h("p", { class: "muted small" }, "Rank 1 leads; a higher number is a lower role. You can edit roles ranked below your own."),
    alert,
    status,
    list,
    newRoleSlot,
  );

  const actorRank = () => mine.role?.rank ?? Number.MAX_SAFE_INTEGER;
  const editable = (role: GuildRole) => allows(mine.role, GuildPermission.EDIT_ROLES) && role.kind !== GuildRoleKind.LEADER && role.rank > actorRank();

  /** The editable fields of a role, as inputs; `read()` gives their values or a reason they are not valid. */
  function roleInputs(role: RoleFields | undefined, idPrefix: string) {
    const name = h("input", { type: "text", required: true, maxlength: 32, value: role?.name ?? "", autocomplete: "off" });
    const rank = h("input", { type: "number", required: true, min: Math.max(2, actorRank() + 1), max: 1000, step: 1, value: role?.rank ?? "", inputmode: "numeric" });
    const limit = h("input", { type: "number", min: 0, max: 1_000_000_000, step: 1, value: String(role?.dailyWithdrawalLimit ?? 0n), inputmode: "numeric" });
    const boxes = guildPermissions.map(([permission, label]) => {
      const box = h("input", { type: "checkbox", id: `${idPrefix}-perm-${permission}`, checked: role?.permissions.includes(permission) ?? false, value: permission });
      return { permission, box, element: h("label", { class: "check", for: box.id }, box, h("span", {}, label)) };
    });
    const element = h(
      "div",
      { class: "role-fields" },
      h("div", { class: "field-row" }, field("Role name", name), field("Rank", rank)),
      h("fieldset", { class: "permissions" }, h("legend", {}, "Permissions"), h("div", { class: "check-grid" }, ...boxes.map((b) => b.element))),
      field("Daily withdrawal limit", limit, "Gold per member per day (UTC), with the withdraw permission."),
    );
    const read = (): RoleFields | string => {
      const limitValue = parseAmount(limit.value);
      if (limitValue === undefined) return "The daily withdrawal limit must be a whole number of gold.";
      if (!/^\d+$/.test(rank.value.trim())) return "The rank must be a whole number.";
      return {
        name: name.value.trim(),
        rank: Number(rank.value),
        permissions: boxes.filter((b) => b.box.checked).map((b) => b.permission),
        dailyWithdrawalLimit: limitValue,
      };
    };
    return { element, read, first: name };
  }

  async function save(key: string, button: HTMLButtonElement, call: () => Promise<unknown>, done: string) {
    button.disabled = true;
    try {
      await call();
      showProblem(alert, undefined);
      status.textContent = done;
      dirty.delete(key);
      onChanged();
    } catch (error) {
      status.textContent = "";
      showProblem(alert, error);
    } finally {
      button.disabled = false;
    }
  }

  function roleCard(role: GuildRole): HTMLLIElement {
    const perms = role.kind === GuildRoleKind.LEADER ? "Every permission" : guildPermissions.filter(([p]) => role.permissions.includes(p)).map(([, label]) => label).join(", ") || "No permissions";
    const limit = role.kind === GuildRoleKind.LEADER ? "no withdrawal limit" : `${formatGold(role.dailyWithdrawalLimit)} a day`;
    const summary = h(
      "div",
      { class: "role-summary" },
      h("span", { class: `rank-sigil rank-${Math.min(role.rank, 5)}`, "aria-hidden": "true" }),
      h(
        "span",
        { class: "role-label" },
        h("strong", { class: "role-name" }, role.name),
        h("span", { class: "muted small" }, `Rank ${role.rank}${kindLabels[role.kind] ? ` · ${kindLabels[role.kind]}` : ""}`),
        h("span", { class: "small role-perms" }, `${perms} · ${limit}`),
      ),
    );
    const item = h("li", { class: "role-card", "data-testid": "guild-role", "data-role-id": role.roleId, "data-rank": role.rank }, summary);
    if (!editable(role)) return item;

    const inputs = roleInputs(role, `role-${role.roleId}`);
    const saveButton = h("button", { type: "submit", class: "primary" }, "Save role");
    const deleteButton = h("button", { type: "button", class: "ghost danger" }, "Delete");
    const form = h("form", { class: "stack role-form", "aria-label": `Edit ${role.name}` }, inputs.element, h("div", { class: "row-actions" }, saveButton, role.kind === GuildRoleKind.ENTRY ? undefined : deleteButton));
    const details = h("details", { class: "role-edit" }, h("summary", {}, `Edit ${role.name}`), form);
    form.addEventListener("input", () => dirty.add(role.roleId));
    details.addEventListener("toggle", () => forgetWhenClosed(details, role.roleId));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = inputs.read();
      if (typeof fields === "string") return void showProblem(alert, new Error(fields));
      void save(role.roleId, saveButton, () => api.guild.updateRole({ actorCharacterId, roleId: role.roleId, ...fields }), `${fields.name} saved.`);
    });
    deleteButton.addEventListener("click", () =>
      void save(role.roleId, deleteButton, () => api.guild.deleteRole({ actorCharacterId, roleId: role.roleId }), `${role.name} deleted.`),
    );
    item.append(details);
    return item;
  }

  function newRoleForm(): HTMLElement | undefined {
    if (!allows(mine.role, GuildPermission.EDIT_ROLES)) return undefined;
    const lowest = Math.max(actorRank(), ...mine.roles.map((r) => r.rank));
    const inputs = roleInputs({ name: "", rank: Math.min(1000, lowest + 1), permissions: [], dailyWithdrawalLimit: 0n }, "new-role");
    const create = h("button", { type: "submit", class: "primary" }, "Create role");
    const form = h("form", { class: "stack role-form", "aria-label": "New role" }, inputs.element, create);
    form.addEventListener("input", () => dirty.add("new"));
    const details = h("details", { class: "role-edit role-new" }, h("summary", {}, "New role"), form);
    details.addEventListener("toggle", () => forgetWhenClosed(details, "new"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = inputs.read();
      if (typeof fields === "string") return void showProblem(alert, new Error(fields));
      void save("new", create, () => api.guild.createRole({ actorCharacterId, ...fields }), `${fields.name} created.`);
    });
    return details;
  }

  /** A closed editor's unsaved changes are dropped, and the refreshes it held back are shown. */
  function forgetWhenClosed(details: HTMLDetailsElement, key: string) {
    if (details.open || !dirty.delete(key)) return;
    painted = "";
    paint();
  }

  function paint() {
    const fingerprint = JSON.stringify([mine.role?.roleId, mine.roles.map((r) => [r.roleId, r.name, r.rank, r.permissions, String(r.dailyWithdrawalLimit)])]);
    if (fingerprint === painted || dirty.size > 0) return;
    painted = fingerprint;
    list.replaceChildren(...mine.roles.map(roleCard));
    newRoleSlot.replaceChildren(...[newRoleForm()].filter((e): e is HTMLElement => e !== undefined));
  }

  paint();
  return {
    element,
    dispose: () => undefined,
    setGuild(next) {
      mine = next;
      paint();
    },
  };
}
