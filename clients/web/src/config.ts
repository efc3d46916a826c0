/** Settings the console server hands the page in /config.json. */
export interface ConsoleConfig {
  /** Base URL of the gateway's HTTP/1.1 edge (Connect), e.g. http://127.0.0.1:7211. */
  readonly gatewayUrl: string;
  /** Which of the operator's tools the console server reaches (the Operations page's charts and traces). */
  readonly operations: { readonly metrics: boolean; readonly traces: boolean };
}

/** Loads /config.json; the page cannot work without it, so failures throw. */
export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const config = (await response.json()) as Partial<ConsoleConfig>;
  if (typeof config.gatewayUrl !== "string" || config.gatewayUrl === "") throw new Error("/config.json has no gatewayUrl");
  return { gatewayUrl: config.gatewayUrl, operations: { metrics: config.operations?.metrics === true, traces: config.operations?.traces === true } };
}
