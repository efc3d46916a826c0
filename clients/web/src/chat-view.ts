import { ChannelKind, type Channel, type ChatMessage } from "@chaos/gen/chaos/chat/v1/channel_pb.js";
import { StreamItemKind } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError, showProblem } from "./errors.js";
import type { CharacterNames } from "./names.js";
import type { Nearby } from "./nearby.js";
import { poll } from "./poll.js";
import { reopenDelay } from "./stream-backoff.js";
import { timestampMs } from "./time.js";

/** Channels appear as the character moves, joins guilds and parties, and is written to: re-read this often. */
const channelsIntervalMs = 10_000;
const pageSize = 30;

const kindLabels: Readonly<Record<number, string>> = {
  [ChannelKind.WORLD]: "World",
  [ChannelKind.ZONE]: "Zone",
  [ChannelKind.GUILD]: "Guild",
  [ChannelKind.PARTY]: "Party",
  [ChannelKind.DIRECT]: "Direct",
};

/**
 * The chat panel: the character's channels, one channel's history (older
 * pages on scroll), live messages from ChatService.StreamMessages, posting,
 * direct messages to characters nearby, and blocking the other side of a
 * direct channel. The stream resumes after a drop from the last revision seen
 * per channel, so nothing is missed or shown twice.
 */
export function createChatView(api: Api, names: CharacterNames, character: Character, nearby: Nearby): View {
  const characterId = character.characterId;
  const controller = new AbortController();
  const revisions = new Map<string, bigint>();
  const unread = new Map<string, number>();
  const blocked = new Set<string>();
  let channels: Channel[] = [];
  let selected: Channel | undefined;
  let oldest: bigint | undefined;
  let hasMore = false;
  let loadingOlder = false;

  const status = h("span", { class: "feed-status", role: "status", "data-testid": "chat-status", "data-state": "connecting" }, "connecting…");
  const channelList = h("ul", { class: "chat-channels", "aria-label": "Channels", "data-testid": "chat-channels" });
  const title = h("h3", { class: "chat-title", "data-testid": "chat-channel-title" }, "Pick a channel");
  const blockButton = h("button", { type: "button", class: "ghost small", hidden: true, "data-testid": "chat-block" }, "Block");
  const olderButton = h("button", { type: "button", class: "ghost small", hidden: true, "data-testid": "chat-older" }, "Load older messages");
  const messages = h("ol", { class: "chat-messages", "aria-label": "Messages", "aria-live": "polite", "data-testid": "chat-messages" });
  const scroller = h("div", { class: "chat-scroller" }, olderButton, messages);
  const text = h("input", { type: "text", maxlength: 500, placeholder: "Say something…", "aria-label": "Message", "data-testid": "chat-input", disabled: true });
  const send = h("button", { type: "submit", disabled: true, "data-testid": "chat-send" }, "Send");
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "chat-error" });
  const form = h("form", { class: "chat-form" }, text, send);
  const dmTarget = h("select", { "aria-label": "Character to message", "data-testid": "chat-dm-target" });
  const dmOpen = h("button", { type: "button", class: "ghost small", "data-testid": "chat-dm-open" }, "Message");

  const element = h(
    "section",
    { class: "panel chat-panel", "aria-labelledby": "chat-heading", "data-testid": "chat-panel" },
    h("h2", { id: "chat-heading" }, "Chat ", status),
    h(
      "div",
      { class: "chat-layout" },
      h("div", { class: "chat-sidebar" }, channelList, h("div", { class: "chat-dm" }, dmTarget, dmOpen)),
      h("div", { class: "chat-main" }, h("div", { class: "chat-header" }, title, blockButton), scroller, form, alert),
    ),
  );

  const otherOf = (channel: Channel) => channel.memberCharacterIds.find((id) => id !== characterId);
  /** A direct channel is shown by the other side's name (the channel's own name holds both). */
  const nameOf = (channel: Channel) => {
    const other = channel.kind === ChannelKind.DIRECT ? otherOf(channel) : undefined;
    return other !== undefined && names.knows(other) ? names.nameOf(other) : channel.displayName;
  };

  function paintChannels() {
    channelList.replaceChildren(
      ...channels.map((channel) => {
        const count = unread.get(channel.channelId) ?? 0;
        const button = h(
          "button",
          {
            type: "button",
            class: `chat-channel${channel.channelId === selected?.channelId ? " selected" : ""}`,
            "aria-pressed": String(channel.channelId === selected?.channelId),
            "data-testid": "chat-channel",
            "data-kind": kindLabels[channel.kind]?.toLowerCase() ?? "other",
            "data-channel-id": channel.channelId,
          },
          h("span", { class: "chat-channel-kind" }, kindLabels[channel.kind] ?? "Channel"),
          h("span", { class: "chat-channel-name" }, nameOf(channel)),
          count > 0 ? h("span", { class: "tab-badge", "data-testid": "chat-unread" }, String(count)) : null,
        );
        button.addEventListener("click", () => void select(channel));
        return h("li", {}, button);
      }),
    );
  }

  function paintDmTargets(characters: readonly Character[]) {
    const current = dmTarget.value;
    const others = characters.filter((c) => c.characterId !== characterId && c.kind === CharacterKind.PLAYER && c.playerId !== character.playerId);
    dmTarget.replaceChildren(h("option", { value: "" }, "Message someone nearby…"), ...others.map((c) => h("option", { value: c.characterId }, c.name)));
    dmTarget.value = others.some((c) => c.characterId === current) ? current : "";
  }

  function messageItem(message: ChatMessage): HTMLElement {
    names.remember(message.senderCharacterId, message.senderName);
    const when = new Date(timestampMs(message.sendTime) || Date.now());
    const mine = message.senderCharacterId === characterId;
    return h(
      "li",
      {
        class: `chat-message${mine ? " mine" : ""}${message.deleted ? " deleted" : ""}`,
        "data-testid": "chat-message",
        "data-message-id": message.messageId,
        "data-sequence": String(message.sequence),
        "data-sender": message.senderCharacterId,
      },
      h("time", { datetime: when.toISOString() }, when.toLocaleTimeString()),
      h("strong", { class: "chat-sender" }, message.senderName || names.nameOf(message.senderCharacterId)),
      h("span", { class: "chat-text" }, message.deleted ? "(removed by a moderator)" : message.text),
    );
  }

  /** Adds or replaces a message in the shown channel, keeping sequence order. */
  function place(message: ChatMessage) {
    const item = messageItem(message);
    const existing = messages.querySelector(`[data-message-id="${message.messageId}"]`);
    if (existing !== null) {
      existing.replaceWith(item);
      return;
    }
    const later = [...messages.children].find((li) => BigInt((li as HTMLElement).dataset.sequence ?? "0") > message.sequence);
    messages.insertBefore(item, later ?? null);
  }

  async function select(channel: Channel) {
    selected = channel;
    unread.delete(channel.channelId);
    paintChannels();
    title.textContent = `${kindLabels[channel.kind] ?? "Channel"} · ${nameOf(channel)}`;
    const other = channel.kind === ChannelKind.DIRECT ? otherOf(channel) : undefined;
    blockButton.hidden = other === undefined;
    if (other !== undefined) blockButton.textContent = blocked.has(other) ? "Unblock" : "Block";
    text.disabled = send.disabled = false;
    messages.replaceChildren();
    oldest = undefined;
    hasMore = false;
    alert.hidden = true;
    await loadOlder(true);
    scroller.scrollTop = scroller.scrollHeight;
  }

  async function loadOlder(first = false) {
    const channel = selected;
    if (channel === undefined || loadingOlder || (!first && !hasMore)) return;
    loadingOlder = true;
    try {
      const page = await api.chat.listMessages({ characterId, channelId: channel.channelId, beforeSequence: oldest ?? 0n, pageSize });
      if (selected?.channelId !== channel.channelId) return;
      const heightBefore = scroller.scrollHeight;
      for (const message of page.messages) place(message);
      oldest = page.messages.at(-1)?.sequence ?? oldest;
      hasMore = page.hasMore;
      olderButton.hidden = !hasMore;
      // Keep the reader where they were when older messages arrive above.
      if (!first) scroller.scrollTop += scroller.scrollHeight - heightBefore;
    } catch (error) {
      showProblem(alert, error);
    } finally {
      loadingOlder = false;
    }
  }

  async function refreshChannels() {
    const { channels: listed } = await api.chat.listChannels({ characterId });
    channels = listed;
    if (selected === undefined && channels.length > 0) await select(channels.find((c) => c.kind === ChannelKind.ZONE) ?? channels[0]!);
    else paintChannels();
  }

  async function openDirect(otherCharacterId: string) {
    try {
      const { channel } = await api.chat.openDirectChannel({ characterId, otherCharacterId });
      if (channel === undefined) return;
      if (!channels.some((c) => c.channelId === channel.channelId)) channels = [...channels, channel];
      await select(channel);
    } catch (error) {
      showProblem(alert, error);
    }
  }

  async function stream() {
    let failures = 0;
    while (!controller.signal.aborted) {
      const openedAt = Date.now();
      let failure: unknown;
      try {
        const afterRevision = Object.fromEntries([...revisions].map(([channelId, revision]) => [channelId, revision]));
        for await (const item of api.chat.streamMessages({ characterId, afterRevision }, { signal: controller.signal })) {
          if (item.kind === StreamItemKind.LIVE) {
            status.dataset.state = "live";
            status.textContent = "live";
            continue;
          }
          const message = item.message;
          if (message === undefined) continue;
          revisions.set(message.channelId, item.revision);
          if (message.channelId === selected?.channelId) {
            place(message);
            scroller.scrollTop = scroller.scrollHeight;
          } else if (item.kind === StreamItemKind.POSTED) {
            unread.set(message.channelId, (unread.get(message.channelId) ?? 0) + 1);
            if (!channels.some((c) => c.channelId === message.channelId)) await refreshChannels().catch(() => undefined);
            paintChannels();
          }
        }
      } catch (error) {
        failure = error;
      }
      if (controller.signal.aborted) return;
      const delay = reopenDelay(failure !== undefined, failures, Date.now() - openedAt);
      failures = delay.failures;
      status.dataset.state = "reconnecting";
      status.textContent = `${failure === undefined ? "" : `${describeError(failure).message} `}reconnecting…`;
      await new Promise((resolve) => window.setTimeout(resolve, delay.ms));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const channel = selected;
    const said = text.value.trim();
    if (channel === undefined || said === "") return;
    send.disabled = true;
    alert.hidden = true;
    void api.chat
      .postMessage({ characterId, channelId: channel.channelId, text: said, idempotencyKey: crypto.randomUUID() })
      .then(({ message }) => {
        text.value = "";
        if (message !== undefined && message.channelId === selected?.channelId) place(message);
        scroller.scrollTop = scroller.scrollHeight;
      })
      .catch((error) => showProblem(alert, error))
      .finally(() => {
        send.disabled = false;
        text.focus();
      });
  });
  olderButton.addEventListener("click", () => void loadOlder());
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < 40) void loadOlder();
  });
  dmOpen.addEventListener("click", () => {
    if (dmTarget.value !== "") void openDirect(dmTarget.value);
  });
  blockButton.addEventListener("click", () => {
    const other = selected === undefined ? undefined : otherOf(selected);
    if (other === undefined) return;
    const unblocking = blocked.has(other);
    blockButton.disabled = true;
    const call = unblocking ? api.chat.unblockPlayer({ characterId, blockedCharacterId: other }) : api.chat.blockPlayer({ characterId, blockedCharacterId: other });
    void call
      .then(() => {
        if (unblocking) blocked.delete(other);
        else blocked.add(other);
        blockButton.textContent = unblocking ? "Block" : "Unblock";
      })
      .catch((error) => showProblem(alert, error))
      .finally(() => {
        blockButton.disabled = false;
      });
  });

  paintDmTargets(nearby.characters);
  const unsubscribe = nearby.subscribe(paintDmTargets);
  const stopChannels = poll(() => refreshChannels().catch((error) => void showProblem(alert, error)), channelsIntervalMs);
  void stream();
  return {
    element,
    dispose() {
      controller.abort();
      stopChannels();
      unsubscribe();
    },
  };
}
