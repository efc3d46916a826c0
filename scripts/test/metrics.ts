/**
 * The value of an unlabelled metric (a gauge or counter without labels, or the first series of one) that a
 * service of a stack exposes on its admin port's /metrics; 0 when it has none yet. For a test that must
 * wait for server-side state a client cannot see, such as a stream being registered before its first item.
 */
export async function metricOf(adminPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return Number(new RegExp(`^${escaped}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? 0);
}
