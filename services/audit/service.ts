import { AuditInternalService } from "@chaos/gen/chaos/audit/v1/audit_internal_service_pb.js";
import { AuditService } from "@chaos/gen/chaos/audit/v1/audit_service_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, registration } from "@chaos/mesh/server";
import { loadAuditConfig } from "./config.js";
import { createAuditLog } from "./core/audit-log.js";
import type { AuditTransaction } from "./core/audit-store.js";
import { auditedTopics } from "./core/audited-events.js";
import { auditErrors } from "./handlers/audit-errors.js";
import { createAuditInternalHandlers } from "./handlers/audit-internal-service.js";
import { createAuditHandlers } from "./handlers/audit-service.js";
import { startSealer } from "./core/sealer.js";
import { createAuditStore } from "./store/audit-store.js";

/**
 * The security audit log: every service's audit-relevant events (and direct
 * appends) in hash chains that its own runtime role cannot rewrite, and
 * that anyone can verify without this code (clients/audit-verify).
 */
export default defineService({
  name: "audit",
  description: "The append-only security audit log: who did what, when, from where, in hash chains anyone can verify.",
  port: 7410,
  serves: [{ service: AuditService, public: {} }, { service: AuditInternalService, operatorMethods: ["exportAuditRecords"] }],
  verifiesEndUserTokens: true,
  state: {
    database: {
      migrations: new URL("./migrations", import.meta.url),
      // The runtime role may only read and insert: PostgreSQL refuses UPDATE and DELETE of a record.
      appendOnlyTables: ["audit_records"],
    },
  },
  publishes: ["records"],
  consumes: auditedTopics.map(({ domain, stream }) => ({ domain, stream })),
  errors: auditErrors,
  settings: loadAuditConfig,
  wire({ settings, db, source, logger, onStop }) {
    const store = createAuditStore(db, source);
    const log = createAuditLog(store, { shards: settings.shards, verifyMaxRecords: settings.verifyMaxRecords });
    const sealer = startSealer(log, settings.sealSeconds * 1000, logger);
    onStop(() => sealer.stop());
    return {
      services: [registration(AuditService, createAuditHandlers(log)), registration(AuditInternalService, createAuditInternalHandlers(log))],
      events: consumeEvents(
        store.within,
        auditedTopics.flatMap((topic) =>
          topic.events.map((audited) =>
            onEvent(audited.schema, async (tx: AuditTransaction, message, event) => {
              await log.appendEvent(tx, audited.facts(message as never), event);
            }),
          ),
        ),
      ),
    };
  },
});
