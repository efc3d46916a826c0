/**
 * A world is one independent game world sharing the same PostgreSQL server,
 * Redis and Kafka with others: a test stack, a staging world next to
 * production. CHAOS_WORLD names it (lowercase letters, digits, dashes); it
 * prefixes Kafka topics, consumer groups and Redis keys, so two worlds never
 * see each other's events or state. Unset, names are the contracts' own
 * (`chaos.combat.v1.casts`), which is what a deployment uses.
 */
export function worldName(env: NodeJS.ProcessEnv = process.env): string {
  const world = env.CHAOS_WORLD ?? "";
  if (world !== "" && !/^[a-z0-9][a-z0-9-]{0,39}$/.test(world)) {
    throw new Error(`CHAOS_WORLD must be 1-40 lowercase letters, digits or dashes, got "${world}"`);
  }
  return world;
}

/** `name` inside the current world (or `world`): "<world>.<name>", or `name` itself outside any. */
export function inWorld(name: string, separator = ".", world: string = worldName()): string {
  return world === "" ? name : `${world}${separator}${name}`;
}

/** The Kafka consumer group of a service in the current world. */
export function consumerGroupId(service: string, purpose = "events"): string {
  return inWorld(`${service}.${purpose}`);
}
