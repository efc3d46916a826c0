import { randomUUID } from "node:crypto";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import type { BenchCharacter } from "./bench-characters.js";
import type { TransferPath } from "./transfer-path.js";

/**
 * The product's transfer: the public InventoryService.SendGold over gRPC into
 * the gateway's edge (token check, session check, rate limits, routing) →
 * inventory (double-entry ledger, idempotency record, outbox) on PostgreSQL.
 * Each call carries the access token of the sender's owner, as a game client
 * would, and a fresh idempotency key. Workers share `connections` HTTP/2
 * connections, round robin.
 */
export function createGatewayTransfers(gatewayUrl: string, characters: readonly BenchCharacter[], connections = 4): TransferPath {
  const sessions = Array.from({ length: connections }, () => new Http2SessionManager(gatewayUrl));
  const clients: Client<typeof InventoryService>[] = sessions.map((sessionManager) =>
    createClient(InventoryService, createGrpcTransport({ baseUrl: gatewayUrl, sessionManager })),
  );
  // A deadline on every call, so the benchmark ends even when a service does not answer.
  const callOptions = characters.map((c) => ({ headers: { authorization: `Bearer ${c.accessToken}` }, timeoutMs: 10_000 }));
  return {
    async transfer(worker, from, to, amount) {
      await clients[worker % connections]!.sendGold(
        { fromCharacterId: characters[from]!.characterId, toCharacterId: characters[to]!.characterId, amount, idempotencyKey: randomUUID() },
        callOptions[from],
      );
    },
    async close() {
      for (const session of sessions) session.abort();
    },
  };
}
