import { Role, type Account } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { createApi } from "./api.js";
import { createAnalyticsView } from "./analytics-view.js";
import { createOperationsView } from "./operations-view.js";
import { createArenaView } from "./arena-view.js";
import { createAuditView } from "./audit-view.js";
import { createAuthView, type RestrictedLogin, type SignedIn } from "./auth-view.js";
import { createCharactersView } from "./characters-view.js";
import { createChatView } from "./chat-view.js";
import { createCombatView } from "./combat-view.js";
import { createEventsView } from "./events-view.js";
import { loadConsoleConfig } from "./config.js";
import { h, type Disposable } from "./dom.js";
import { describeError } from "./errors.js";
import { createFeedView } from "./feed-view.js";
import { createGuildView } from "./guild-view.js";
import { createLeaderboardView } from "./leaderboard-view.js";
import { createMfaView } from "./mfa-view.js";
import { createPasskeysView } from "./passkeys-view.js";
import { createModerationView } from "./moderation-view.js";
import { CharacterNames } from "./names.js";
import { createNearby } from "./nearby.js";
import { createNotificationView } from "./notification-view.js";
import { createProgressView } from "./progress-view.js";
import { createPurse } from "./purse.js";
import { createSectionTabs } from "./section-tabs.js";
import { Session } from "./session.js";
import { createStandingView } from "./standing-view.js";
import { createStoreView } from "./store-view.js";
import { createTradeView } from "./trade-view.js";
import { createWorldView } from "./world-view.js";
import { zoneOf } from "./zone.js";

const app = document.getElementById("app");
const accountBar = document.getElementById("account-bar");
if (app === null || accountBar === null) throw new Error("index.html lacks #app or #account-bar");

try {
  await boot(app, accountBar);
} catch (error) {
  app.replaceChildren(
    h("section", { class: "panel fatal", role: "alert" }, h("h1", {}, "The console could not start"), h("p", {}, error instanceof Error ? error.message : String(error))),
  );
}

async function boot(app: HTMLElement, accountBar: HTMLElement): Promise<void> {
  const config = await loadConsoleConfig();
  const names = new CharacterNames();
  // While a restricted player is at the appeal desk, calls carry their appeal token (the gateway lets it reach nothing else).
  let appealToken: string | undefined;
  const api = createApi(config.gatewayUrl, () => (appealToken !== undefined ? Promise.resolve(appealToken) : session.accessToken()));
  const session = new Session(async (refreshToken) => {
    const { tokens } = await api.publicIdentity.refreshSession({ refreshToken });
    if (tokens === undefined) throw new Error("the identity service answered without tokens");
    return tokens;
  });
  let mounted: Disposable[] = [];
  const unmount = (views: readonly Disposable[]) => {
    for (const view of views) view.dispose();
    mounted = mounted.filter((view) => !views.includes(view));
  };

  function showLogin(notice?: string) {
    unmount(mounted);
    appealToken = undefined;
    accountBar.replaceChildren();
    const auth = createAuthView(api, onSignedIn, showAppealDesk, notice);
    mounted = [auth];
    app.replaceChildren(h("div", { class: "auth-layout" }, auth.element));
  }

  function onSignedIn(login: SignedIn) {
    if (login.tokens === undefined || login.account === undefined) return;
    session.begin(login.tokens);
    showDashboard(login.account);
  }

  /** What a suspended or banned player can still do: see why, and appeal. */
  function showAppealDesk(restricted: RestrictedLogin) {
    unmount(mounted);
    appealToken = restricted.appealToken;
    const back = h("button", { type: "button", class: "ghost", "data-testid": "appeal-desk-leave" }, "Back to log in");
    back.addEventListener("click", () => showLogin());
    accountBar.replaceChildren(back);
    const standing = createStandingView(api);
    mounted = [standing];
    app.replaceChildren(
      h(
        "div",
        { class: "auth-layout appeal-desk", "data-testid": "appeal-desk" },
        h(
          "section",
          { class: "panel", "aria-labelledby": "appeal-desk-title" },
          h("h1", { id: "appeal-desk-title" }, "Your account is restricted"),
          h("p", { role: "status", "data-testid": "appeal-desk-reason" }, restricted.message),
          h("p", { class: "muted" }, `You cannot play for now. Below is what is in force, and you can appeal it; a moderator reads every appeal. This page works until ${restricted.expiresAt.toLocaleTimeString()}; log in again to come back.`),
        ),
        standing.element,
      ),
    );
  }

  function showDashboard(account: Account) {
    unmount(mounted);
    const badge = h("span", { class: "badge", "data-testid": "mfa-status" });
    const paintBadge = () => {
      badge.textContent = account.mfaEnabled ? "2FA on" : "2FA off";
      badge.classList.toggle("badge-ok", account.mfaEnabled);
    };
    paintBadge();
    const logout = h("button", { type: "button", class: "ghost" }, "Log out");
    logout.addEventListener("click", () => {
      logout.disabled = true;
      const sessionId = session.sessionId;
      // Revoke on the server so the refresh token dies too; log out locally even if that fails.
      const revoke = sessionId === undefined ? Promise.resolve() : api.identity.revokeSession({ sessionId }).then(() => undefined);
      void revoke.catch(() => undefined).finally(() => session.end("You have logged out."));
    });
    accountBar.replaceChildren(h("span", { class: "account-email", "data-testid": "account-email" }, account.email), badge, logout);

    let picked: Character | undefined;
    let playing: Disposable[] = [];
    // The section shown stays the same when another character is picked.
    let section = "battle";
    const combatSlot = h(
      "div",
      { class: "combat-slot" },
      h("section", { class: "panel placeholder" }, h("h2", {}, "The Ember Plains await"), h("p", { class: "muted" }, "Create a character, or pick one, to enter the fray.")),
    );
    const progressSlot = h("div", { class: "progress-slot" });

    const pick = (character: Character) => {
      if (picked?.characterId === character.characterId) return;
      picked = character;
      unmount(playing);
      const progress = createProgressView(api, character, (level) => characters.setLevel(character.characterId, level));
      const combat = createCombatView(api, names, character, () => window.setTimeout(() => void progress.refresh(), 400));
      const purse = createPurse(api, character.characterId);
      const nearby = createNearby(api, names, zoneOf(character));
      const trade = createTradeView(api, character, purse, nearby, (waiting) => tabs.setBadge("trade", waiting));
      const guild = createGuildView(api, names, character, purse, nearby, (waiting) => tabs.setBadge("guild", waiting));
      const chat = createChatView(api, names, character, nearby);
      const events = createEventsView(api, character);
      const arena = createArenaView(api, names, character);
      const world = createWorldView(api, character);
      const store = createStoreView(api, character, () => purse.refresh());
      const tabs = createSectionTabs(
        [
          { id: "battle", label: "Battle", panel: combat.element },
          { id: "trade", label: "Trade", panel: trade.element },
          { id: "guild", label: "Guild", panel: guild.element },
          { id: "chat", label: "Chat", panel: chat.element },
          { id: "arena", label: "Arena", panel: arena.element },
          { id: "events", label: "Events", panel: events.element },
          { id: "world", label: "World", panel: world.element },
          { id: "store", label: "Store", panel: store.element },
        ],
        section,
        (id) => {
          section = id;
        },
      );
      playing = [combat, progress, trade, guild, chat, arena, events, world, store, nearby, purse];
      mounted.push(...playing);
      combatSlot.replaceChildren(tabs.element);
      progressSlot.replaceChildren(progress.element);
    };

    const characters = createCharactersView(api, names, pick);
    const mfa = createMfaView(api, account, paintBadge);
    const passkeys = createPasskeysView(api);
    const feed = createFeedView(api, names);
    const leaderboard = createLeaderboardView(api, () => picked?.characterId);
    const notifications = createNotificationView(api);
    // The server decides (the audit log refuses anyone else); the console only leaves out what would be refused.
    const audit = account.roles.includes(Role.ADMIN) ? createAuditView(api) : undefined;
    const staff = account.roles.includes(Role.ADMIN) || account.roles.includes(Role.MODERATOR);
    const moderation = staff ? createModerationView(api, { refunds: account.roles.includes(Role.ADMIN) }) : undefined;
    const standing = createStandingView(api);
    const analytics = account.roles.includes(Role.ADMIN) ? createAnalyticsView(api.analytics) : undefined;
    const operations = account.roles.includes(Role.ADMIN) ? createOperationsView(config.operations) : undefined;
    const desk = [moderation, analytics, operations, audit].filter((view): view is NonNullable<typeof view> => view !== undefined);
    mounted = [characters, mfa, passkeys, standing, feed, leaderboard, notifications, ...desk];
    app.replaceChildren(
      h(
        "div",
        { class: "dashboard" },
        h("div", { class: "column column-left" }, characters.element, progressSlot, standing.element, mfa.element, passkeys.element),
        h("div", { class: "column column-main" }, combatSlot),
        h("div", { class: "column column-right" }, feed.element, notifications.element, leaderboard.element),
      ),
      ...(desk.length === 0 ? [] : [h("div", { class: "admin-row" }, ...desk.map((view) => view.element))]),
    );
  }

  session.onEnd((reason) => showLogin(reason));
  if (await session.resume()) {
    try {
      const { account } = await api.identity.getAccount({});
      if (account !== undefined) return showDashboard(account);
    } catch (error) {
      session.end(describeError(error).message);
      return;
    }
  }
  showLogin();
}
