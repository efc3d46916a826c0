import { fileURLToPath } from "node:url";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import {
  createDomainErrorInterceptor,
  createTokenVerifier,
  openServiceResources,
  registration,
  runService,
  tokenAudience,
  tokenIssuer,
  topicName,
  type ServiceResources,
} from "@chaos/mesh";
import { loadIdentityConfig } from "./config.js";
import { createAccounts } from "./core/accounts.js";
import { createKeyRing, type KeyRing } from "./core/key-ring.js";
import { createLogin } from "./core/login.js";
import { createMfa } from "./core/mfa.js";
import { createSecretBox } from "./core/secret-box.js";
import { createSessions } from "./core/sessions.js";
import { identityErrors } from "./handlers/identity-errors.js";
import { createIdentityInternalHandlers } from "./handlers/identity-internal-service.js";
import { createIdentityHandlers } from "./handlers/identity-service.js";
import { createIdentityStore } from "./store/identity-store.js";
import { loadOrCreateLocalSecretKey } from "./store/local-secret-key.js";
import { createSigningKeyStore } from "./store/signing-key-store.js";

const config = loadIdentityConfig();
let resources: ServiceResources | undefined;
let keys: KeyRing | undefined;

await runService({
  name: "identity",
  // Identity verifies its own tokens against the keys in its own database:
  // createIdentityTokenVerifier would ask identity itself over the network.
  // The key ring exists before the server accepts its first call.
  tokenVerifier: createTokenVerifier({
    issuer: tokenIssuer,
    audience: tokenAudience,
    keys: async () => (await keys!.published()).map((key) => ({ kty: key.kty, crv: key.crv, x: key.x, kid: key.kid, alg: key.alg, use: "sig" })),
  }),
  interceptors: [createDomainErrorInterceptor(identityErrors)],
  services: async (runtime) => {
    resources = await openServiceResources(runtime, {
      migrationsDir: fileURLToPath(new URL("./migrations", import.meta.url)),
      publishes: [topicName("identity", "accounts")],
    });
    const source = runtime.spiffeId;
    const box = createSecretBox(config.secretKey ?? (await loadOrCreateLocalSecretKey(resources.db)));
    keys = await createKeyRing(createSigningKeyStore(resources.db), box, { rotationHours: config.keyRotationHours });
    const store = createIdentityStore(resources.db, source);
    const lockout = { lockAfterFailures: config.lockAfterFailures, lockSeconds: config.lockSeconds };
    const accounts = createAccounts(store);
    const sessions = createSessions(store, keys);
    const login = await createLogin({ store, sessions, box, lockout });
    const mfa = createMfa(store, box, lockout);
    return [
      registration(IdentityService, createIdentityHandlers({ accounts, login, sessions, mfa })),
      registration(IdentityInternalService, createIdentityInternalHandlers(accounts, sessions, keys)),
    ];
  },
  onShutdown: [async () => resources?.close()],
});
