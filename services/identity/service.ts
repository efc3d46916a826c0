import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { clientAddressHeader, clientUserAgentHeader, consumeEvents, createTokenVerifier, defineService, registration, tokenAudience, tokenIssuer } from "@chaos/mesh/server";
import { loadIdentityConfig } from "./config.js";
import { createAccounts } from "./core/accounts.js";
import { createKeyRing } from "./core/key-ring.js";
import { createLogin } from "./core/login.js";
import { createLoginGuard } from "./core/lockout.js";
import { createMfa } from "./core/mfa.js";
import { createPasskeys } from "./core/passkeys.js";
import { applyRestriction, liftRestriction } from "./core/restrictions.js";
import { createSecretBox } from "./core/secret-box.js";
import { createSessions } from "./core/sessions.js";
import { createStepUp } from "./core/step-up.js";
import { identityErrors } from "./handlers/identity-errors.js";
import { createIdentityInternalHandlers } from "./handlers/identity-internal-service.js";
import { createIdentityHandlers } from "./handlers/identity-service.js";
import { createIdentityStore } from "./store/identity-store.js";
import { createSigningKeyStore } from "./store/signing-key-store.js";

/** Accounts, credentials, TOTP MFA, passkeys, sessions and the keys that sign every end-user token. */
export default defineService({
  name: "identity",
  description: "Accounts, passwords, TOTP MFA, passkeys, sessions and the signing keys of end-user tokens.",
  port: 7120,
  serves: [
    {
      service: IdentityService,
      // Identity records where a login came from, so it gets the client's address (set by the edge face, never by the client).
      public: {
        openMethods: ["register", "login", "refreshSession", "beginPasskeyLogin", "finishPasskeyLogin"],
        forwardHeaders: [clientAddressHeader, clientUserAgentHeader],
        // Sign-up floods and password guessing are what the gateway's address limit is for; identity's own login guards (in PostgreSQL) still hold then.
        strictlyLimited: ["register", "login", "beginPasskeyLogin", "finishPasskeyLogin"],
      },
    },
    // Operators look accounts and sessions up and hand out the admin and moderator roles; nothing that signs or revokes.
    { service: IdentityInternalService, operatorMethods: ["getAccountById", "checkSession", "setAccountRoles"] },
  ],
  state: { database: { migrations: new URL("./migrations", import.meta.url) } },
  secrets: [{ variable: "CHAOS_IDENTITY_SECRET_KEY", bytes: 32 }],
  publishes: ["accounts"],
  // Anti-cheat's suspensions and bans, enforced at login.
  consumes: [{ domain: "anticheat", stream: "actions" }],
  errors: identityErrors,
  settings: loadIdentityConfig,
  async wire({ settings, db, source }) {
    const box = createSecretBox(settings.secretKey);
    const keys = await createKeyRing(createSigningKeyStore(db, source), box, { rotationHours: settings.keyRotationHours });
    const store = createIdentityStore(db, source);
    const guard = createLoginGuard(store, settings);
    const accounts = createAccounts(store);
    const sessions = createSessions(store, keys, { refreshGraceMs: settings.refreshGraceSeconds * 1000 });
    const login = await createLogin({ store, sessions, box, guard });
    const mfa = createMfa(store, box, guard);
    const passkeys = createPasskeys({ store, sessions, withStepUp: createStepUp(store, guard), settings: settings.passkeys });
    return {
      services: [
        registration(IdentityService, createIdentityHandlers({ accounts, login, sessions, mfa, passkeys })),
        registration(IdentityInternalService, createIdentityInternalHandlers(accounts, sessions, keys)),
      ],
      events: consumeEvents(store.within, [
        onEvent(ActionAppliedSchema, (tx, applied) => applyRestriction(tx, applied.action!)),
        onEvent(ActionLiftedSchema, (tx, lifted) => liftRestriction(tx, lifted.action!)),
      ]),
      // Identity verifies its own tokens against the keys in its own database; the
      // mesh's default verifier would ask identity itself over the network.
      tokenVerifier: createTokenVerifier({
        issuer: tokenIssuer,
        audience: tokenAudience,
        keys: async () => (await keys.published()).map((key) => ({ kty: key.kty, crv: key.crv, x: key.x, kid: key.kid, alg: key.alg, use: "sig" })),
      }),
    };
  },
});
