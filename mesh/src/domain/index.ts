/**
 * @chaos/mesh/domain — what a service's core code may use: domain errors,
 * the shape of outgoing events, topic and world names, and end-user token
 * signing (identity's core). It loads no driver and no transport (PostgreSQL,
 * Redis, Kafka, grpc-js, connect-node), which a test checks.
 */
export { DomainError } from "./domain-error.js";
export type { OutgoingEvent } from "./outgoing-event.js";
export { topicName } from "../events/cloud-event.js";
export { inWorld, worldName } from "../world.js";
export { reasonName } from "./reason-name.js";
export { contractPackage, domainOfPackage } from "./contract-package.js";
export { createTokenSigner, tokenAlgorithm, type PrincipalInput, type TokenSigner } from "../principal/token-signer.js";
export { isAdmin, type Principal } from "../principal/principal.js";
export { tokenAudience, tokenIssuer } from "../identity-token-verifier.js";
export type { JobHandlers, JobRun } from "../jobs/job-worker.js";
