import kafkajs, { type AclEntry, type Admin } from "kafkajs";
import { contractPackage } from "../domain/contract-package.js";
import type { AnyServiceManifest } from "../service/service-manifest.js";
import { consumedTopics, followedTopics } from "../service/manifest-checks.js";
import { inWorld } from "../world.js";
import { deadLetterTopic } from "./cloud-event.js";

// kafkajs is CommonJS, and Node finds no named export for its ACL enums: they are read from the module object.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
type AclOperationTypes = kafkajs.AclOperationTypes;
type AclResourceTypes = kafkajs.AclResourceTypes;
type ResourcePatternTypes = kafkajs.ResourcePatternTypes;
const { READ, WRITE, CREATE, DESCRIBE } = AclOperationTypes;

/**
 * What a service's broker login (`User:<user>`) may do in `world`, from its
 * manifest and nothing else:
 * - its own domain's topics (a prefix, chaos.<name>.v1.): create, write
 *   (its outbox relay publishes them), read and describe;
 * - each topic it consumes: read, describe and create (a consumer may start
 *   before the topic's owner), and that topic's dead-letter topic: write too;
 * - each topic it follows: read, describe, create;
 * - its consumer groups (a prefix, <name>.): read, describe.
 * No other topic, group or cluster operation: it can publish no event of
 * another domain, which is what makes ce_source mean something.
 */
export function kafkaAclsOf(manifest: AnyServiceManifest, user: string, world: string): AclEntry[] {
  const principal = `User:${user}`;
  const allow = (resourceType: AclResourceTypes, resourceName: string, resourcePatternType: ResourcePatternTypes, operations: readonly AclOperationTypes[]): AclEntry[] =>
    operations.map((operation) => ({ resourceType, resourceName, resourcePatternType, principal, host: "*", operation, permissionType: AclPermissionTypes.ALLOW }));
  const topic = (name: string, operations: readonly AclOperationTypes[]) => allow(AclResourceTypes.TOPIC, name, ResourcePatternTypes.LITERAL, operations);
  return [
    ...allow(AclResourceTypes.TOPIC, inWorld(`${contractPackage(manifest.name)}.`, ".", world), ResourcePatternTypes.PREFIXED, [READ, WRITE, CREATE, DESCRIBE]),
    ...consumedTopics(manifest, world).flatMap((name) => [...topic(name, [READ, CREATE, DESCRIBE]), ...topic(deadLetterTopic(name), [READ, WRITE, CREATE, DESCRIBE])]),
    ...followedTopics(manifest, world).flatMap((name) => topic(name, [READ, CREATE, DESCRIBE])),
    ...allow(AclResourceTypes.GROUP, inWorld(`${manifest.name}.`, ".", world), ResourcePatternTypes.PREFIXED, [READ, DESCRIBE]),
  ];
}

/** Grants `entries` (kafkaAclsOf) through an administrator's client. Idempotent: the broker keeps one of each. */
export async function grantKafkaAcls(admin: Admin, entries: readonly AclEntry[]): Promise<void> {
  if (entries.length > 0) await admin.createAcls({ acl: [...entries] });
}

/** Removes exactly `entries` (a test world's, when it stops). */
export async function revokeKafkaAcls(admin: Admin, entries: readonly AclEntry[]): Promise<void> {
  if (entries.length > 0) await admin.deleteAcls({ filters: [...entries] });
}
