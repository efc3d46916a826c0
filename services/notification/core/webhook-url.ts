import { BlockList, isIP } from "node:net";

/**
 * Addresses a webhook must not reach unless the deployment allows it: loopback,
 * private networks, link-local (cloud metadata at 169.254.169.254), CGNAT,
 * unspecified and unique-local IPv6. A webhook URL is chosen by a player; let
 * it name one of these and the service would POST into its own network.
 */
const privateRanges = new BlockList();
for (const [network, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16]] as const) {
  privateRanges.addSubnet(network, prefix, "ipv4");
}
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are checked against the IPv4 ranges by BlockList itself.
for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10]] as const) privateRanges.addSubnet(network, prefix, "ipv6");

/** True for an IP address in a private, loopback or link-local range. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && privateRanges.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Why a webhook URL is refused, or undefined when it is fine: https only
 * (http too where private addresses are allowed), no credentials in it, and
 * no host that names a private address (names are checked again, resolved,
 * before each delivery).
 */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not an absolute URL";
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) return "must be https";
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  if (url.hash !== "") return "must not have a fragment";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && (host === "localhost" || host.endsWith(".localhost") || isPrivateAddress(host))) return "must not be a private, loopback or link-local address";
  return undefined;
}
