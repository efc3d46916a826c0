/**
 * The naming convention every contract follows: domain "combat" owns package
 * chaos.combat.v1, its services, its events and its topics
 * (chaos.combat.v1.<stream>). The one place that spells it.
 */
const packagePattern = /^chaos\.([a-z]+)\.v1$/;

/** The contract package of a domain ("combat" → "chaos.combat.v1"). */
export function contractPackage(domain: string): string {
  return `chaos.${domain}.v1`;
}

/** The domain of a contract package ("chaos.combat.v1" → "combat"); undefined for a package outside the convention. */
export function domainOfPackage(pkg: string): string | undefined {
  return packagePattern.exec(pkg)?.[1];
}
