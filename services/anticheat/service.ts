import { AnticheatService } from "@chaos/gen/chaos/anticheat/v1/anticheat_service_pb.js";
import { MessageReportedSchema } from "@chaos/gen/chaos/chat/v1/events_pb.js";
import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { GoldCreditedSchema, GoldDebitedSchema } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { ChargebackReceivedSchema, ClawbackDebtRecordedSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { LoginSucceededSchema } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { CharacterCreatedSchema, CharacterHealthChangedSchema, CharacterMovedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, registration } from "@chaos/mesh/server";
import { loadAnticheatConfig } from "./config.js";
import { createDetection } from "./core/detection.js";
import { createReview } from "./core/review.js";
import { startSweepJob } from "./core/sweep-job.js";
import { anticheatErrors } from "./handlers/anticheat-errors.js";
import { createAnticheatHandlers } from "./handlers/anticheat-service.js";
import { createAnticheatStore } from "./store/anticheat-store.js";

/** Anti-cheat: rules over other services' events, a decaying risk score, graduated actions that identity and trading enforce, review and appeals. */
export default defineService({
  name: "anticheat",
  description: "Anti-cheat: signals from movement, casts, damage, trades, logins and chat reports; a decaying risk score with its evidence; graduated actions enforced by identity and trading; review cases and appeals.",
  port: 7460,
  // A suspended or banned player cannot log in, but can still see why and appeal, with the token their refused login carried.
  serves: [{ service: AnticheatService, public: { appealMethods: ["getMyStanding", "listMyActions", "submitAppeal", "listMyAppeals"] } }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url) } },
  publishes: ["actions"],
  consumes: [
    { domain: "player", stream: "characters" },
    { domain: "combat", stream: "casts" },
    { domain: "trading", stream: "trades" },
    { domain: "identity", stream: "accounts" },
    { domain: "chat", stream: "messages" },
    { domain: "inventory", stream: "assets" },
    { domain: "payment", stream: "orders" },
  ],
  errors: anticheatErrors,
  settings: loadAnticheatConfig,
  wire({ settings, db, source, logger, onStop }) {
    const store = createAnticheatStore(db, source);
    const detection = createDetection(settings);
    const sweep = startSweepJob(store, settings, logger);
    onStop(() => sweep.stop());
    return {
      services: [registration(AnticheatService, createAnticheatHandlers(createReview(store, settings)))],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, created, event) => detection.characterCreated(tx, created, event)),
        onEvent(CharacterMovedSchema, (tx, moved, event) => detection.characterMoved(tx, moved, event)),
        onEvent(CharacterHealthChangedSchema, (tx, changed, event) => detection.healthChanged(tx, changed, event)),
        onEvent(SpellCastSchema, (tx, cast, event) => detection.spellCast(tx, cast, event)),
        onEvent(DamageDealtSchema, (tx, damage, event) => detection.damageDealt(tx, damage, event)),
        onEvent(CharacterDefeatedSchema, (tx, defeated, event) => detection.characterDefeated(tx, defeated, event)),
        onEvent(TradeSettledSchema, (tx, settled, event) => detection.tradeSettled(tx, settled, event)),
        onEvent(GoldDebitedSchema, (tx, debited, event) => detection.goldMoved(tx, "debit", debited, event)),
        onEvent(GoldCreditedSchema, (tx, credited, event) => detection.goldMoved(tx, "credit", credited, event)),
        onEvent(ChargebackReceivedSchema, (tx, chargeback, event) => detection.chargebackReceived(tx, chargeback, event)),
        onEvent(ClawbackDebtRecordedSchema, (tx, debt, event) => detection.clawbackDebtRecorded(tx, debt, event)),
        onEvent(LoginSucceededSchema, (tx, login, event) => detection.loginSucceeded(tx, login, event)),
        onEvent(MessageReportedSchema, (tx, report, event) => detection.messageReported(tx, report, event)),
      ]),
    };
  },
});
