import type { DescService } from "@bufbuild/protobuf";
import { topicName } from "../events/cloud-event.js";
import { jobQueueMigrations } from "../jobs/job-queue.js";
import { domainOfPackage } from "../domain/contract-package.js";
import type { AnyServiceManifest, Wired } from "./service-manifest.js";

/**
 * The workload that serves `service`: the domain of its contract package
 * (chaos.player.v1.PlayerInternalService is served by "player"). One fact,
 * the package, says who owns a contract; the system checks test that the
 * owner's manifest serves it.
 */
export function ownerOf(service: DescService): string {
  const owner = domainOfPackage(service.file.proto.package);
  if (owner === undefined) throw new Error(`${service.typeName} is not in a chaos.<domain>.v1 package`);
  return owner;
}

/** The target of a call `manifest` declares; calling a service it does not declare is a bug caught at start-up. */
export function calledTarget(manifest: AnyServiceManifest, service: DescService): string {
  if (!(manifest.calls ?? []).some((called) => called.service.typeName === service.typeName)) {
    throw new Error(`${manifest.name} calls ${service.typeName} but its manifest does not declare it in calls`);
  }
  return ownerOf(service);
}

/** The topics `manifest` publishes to, in the current world (or `world`). */
export function publishedTopics(manifest: AnyServiceManifest, world?: string): string[] {
  return (manifest.publishes ?? []).map((stream) => topicName(manifest.name, stream, world));
}

/** The topics `manifest` consumes, in the current world (or `world`). */
export function consumedTopics(manifest: AnyServiceManifest, world?: string): string[] {
  return (manifest.consumes ?? []).map((topic) => topicName(topic.domain, topic.stream, world));
}

/** The topics `manifest` follows (ServiceManifest.follows), in the current world (or `world`). */
export function followedTopics(manifest: AnyServiceManifest, world?: string): string[] {
  return (manifest.follows ?? []).map((topic) => topicName(topic.domain, topic.stream, world));
}

/**
 * What `wire` built must match what the manifest declares, or the service
 * does not start: handlers for exactly the services it serves, event
 * handlers exactly when it consumes, each for a type of a consumed domain,
 * and the job queue's table when it runs jobs.
 */
export function checkWired(manifest: AnyServiceManifest, wired: Wired): void {
  const declared = new Set(manifest.serves.map((served) => served.service.typeName));
  const registered = new Set(wired.services.map((registration) => registration.service.typeName));
  for (const name of declared) if (!registered.has(name)) throw new Error(`${manifest.name} serves ${name} (manifest) but wire built no handlers for it`);
  const forwarded = new Set(manifest.forwardsPublicApis === true ? wired.services.filter((r) => ownerOf(r.service) !== manifest.name).map((r) => r.service.typeName) : []);
  for (const name of registered) if (!declared.has(name) && !forwarded.has(name)) throw new Error(`${manifest.name} built handlers for ${name}, which its manifest does not serve`);
  const consumedDomains = new Set((manifest.consumes ?? []).map((topic) => topic.domain));
  if (consumedDomains.size > 0 && wired.events === undefined) throw new Error(`${manifest.name} consumes ${[...consumedDomains].join(", ")} events but wire built no event handlers`);
  for (const handler of wired.events?.handlers ?? []) {
    const domain = domainOfPackage(handler.schema.file.proto.package);
    if (domain === undefined || !consumedDomains.has(domain)) {
      throw new Error(`${manifest.name} handles ${handler.schema.typeName} but its manifest consumes no topic of the ${domain ?? "?"} domain`);
    }
  }
  const handled = new Set<string>();
  for (const handler of wired.events?.handlers ?? []) {
    if (handled.has(handler.schema.typeName)) throw new Error(`${manifest.name} has two handlers for ${handler.schema.typeName}`);
    handled.add(handler.schema.typeName);
  }
  const meshTables = manifest.state?.database?.meshTables ?? [];
  if (wired.jobs !== undefined && !jobQueueMigrations.every((migration) => meshTables.includes(migration))) {
    throw new Error(`${manifest.name} runs jobs but its manifest does not list jobQueueMigrations in state.database.meshTables`);
  }
}
