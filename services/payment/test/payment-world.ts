import { randomBytes, randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { afterAll, beforeAll, inject } from "vitest";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { PaymentService } from "@chaos/gen/chaos/payment/v1/payment_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { topicName } from "@chaos/mesh";
import { startProviderEmulator, type ProviderEmulator } from "../../../clients/payment-provider/provider-emulator.js";
import type { TestPlayer } from "../../../scripts/test/players.js";
import { freePort, useStack, type Stack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish } from "../../../scripts/test/topic-events.js";

const playerSource = "spiffe://chaos.world/ns/chaos/sa/player";

/** What payment's test files share: one world per file (identity, inventory, payment, gateway) and a provider emulator of its own. */
export interface PaymentWorld {
  readonly stack: Stack;
  readonly provider: () => ProviderEmulator;
  /** The gateway's webhook route, as the provider is configured to call it. */
  readonly webhookUrl: () => string;
  /** The signing secrets payment accepts (the emulator signs with the first). */
  readonly secrets: readonly string[];
  readonly payment: () => Client<typeof PaymentService>;
  readonly inventory: () => Client<typeof InventoryService>;
  readonly inventoryInternal: () => Client<typeof InventoryInternalService>;
  /** A character of `player` as player's CharacterCreated announces it; resolves once inventory gave it its 100 starter gold. */
  newCharacter(player: TestPlayer): Promise<string>;
  /** A wallet's balance and debt. */
  wallet(player: TestPlayer, characterId: string): Promise<{ balance: bigint; debt: bigint }>;
}

export function usePaymentWorld(): PaymentWorld {
  const secrets = [`whsec_${randomBytes(16).toString("hex")}`, `whsec_${randomBytes(16).toString("hex")}`];
  // Filled before the stack starts (the hooks run in order): the stack reads its env then.
  // Orders expire after a few seconds here, so the expiry job's effect is seen; a late payment is still fulfilled, so no other test minds.
  const env: Record<string, string> = { CHAOS_PAYMENT_WEBHOOK_SECRETS: secrets.join(","), CHAOS_PAYMENT_ORDER_TTL_SECONDS: "5" };
  let provider: ProviderEmulator | undefined;
  beforeAll(async () => {
    // Signs with the second secret: payment accepts any configured one (a rotation in progress).
    provider = await startProviderEmulator({ signingSecrets: [secrets[1]!] });
    env.CHAOS_PAYMENT_PROVIDER_URL = provider.url;
    env.CHAOS_GATEWAY_WEBHOOK_PORT = String(await freePort());
    provider.setWebhookUrl(`http://127.0.0.1:${env.CHAOS_GATEWAY_WEBHOOK_PORT}/webhooks/payment`);
  });
  afterAll(async () => {
    await provider?.close();
  });
  const stack = useStack(["identity", "inventory", "payment", "gateway"], { env });
  const inventory = () => stack.operator.client(InventoryService, "inventory");
  return {
    stack,
    provider: () => provider!,
    webhookUrl: () => `http://127.0.0.1:${env.CHAOS_GATEWAY_WEBHOOK_PORT}/webhooks/payment`,
    secrets,
    payment: () => stack.operator.client(PaymentService, "payment"),
    inventory,
    inventoryInternal: () => stack.operator.client(InventoryInternalService, "inventory"),
    async newCharacter(player) {
      const characterId = randomUUID();
      const message = create(CharacterCreatedSchema, { characterId, playerId: player.accountId, name: `Buyer${characterId.slice(0, 6)}`, characterClass: CharacterClass.MAGE });
      await publish(inject("infra").kafka, [cloudEvent(`${stack.world}.${topicName("player", "characters")}`, playerSource, characterId, CharacterCreatedSchema, message)]);
      await eventually(() => inventory().getWallet({ characterId }, player.asPlayer), (r) => r.wallet?.balance === 100n);
      return characterId;
    },
    async wallet(player, characterId) {
      const { wallet } = await inventory().getWallet({ characterId }, player.asPlayer);
      return { balance: wallet?.balance ?? 0n, debt: wallet?.debt ?? 0n };
    },
  };
}
