import { domainOfPackage } from "../domain/contract-package.js";
import { parseSpiffeId, spiffeIdFor } from "../identity/spiffe-id.js";

/**
 * The ce_source every event of `topic` must carry: the SPIFFE ID of the
 * workload named for the topic's domain (chaos.<domain>.v1.<stream>, with or
 * without a world prefix), in the trust domain and namespace of `workload`
 * (the reader's own SPIFFE ID). Only that workload's outbox relay publishes
 * there; any other source is forged. Throws for a topic outside the layout.
 */
export function ownerSourceOf(topic: string, workload: string): string {
  const pkg = topicPackage(topic);
  const domain = pkg === undefined ? undefined : domainOfPackage(pkg);
  if (domain === undefined) throw new Error(`topic ${topic} is not [<world>.]chaos.<domain>.v1.<stream>: the owner of its events cannot be checked`);
  const own = parseSpiffeId(workload);
  return spiffeIdFor(domain, { trustDomain: own.trustDomain, namespace: own.namespace }).uri;
}

/** The contract package of a topic ("[<world>.]chaos.combat.v1.casts" → "chaos.combat.v1"): the three segments before the stream. */
export function topicPackage(topic: string): string | undefined {
  const pkg = topic.split(".").slice(-4, -1).join(".");
  return domainOfPackage(pkg) === undefined ? undefined : pkg;
}
