import type { ConsoleServerOptions } from "./server.js";

/**
 * The console server's settings from the environment, validated: a bad value
 * throws an error naming the variable.
 * - CHAOS_CONSOLE_PORT: port to listen on (0 = any free port). Default 8080.
 * - CHAOS_CONSOLE_HOST: address to listen on. Default 127.0.0.1.
 * - CHAOS_CONSOLE_GATEWAY_URL: the gateway's HTTP/1.1 edge as browsers reach it. Default http://127.0.0.1:7211.
 * - CHAOS_CONSOLE_PROMETHEUS_URL, CHAOS_CONSOLE_JAEGER_URL: the Prometheus and the Jaeger (query) the
 *   Operations page reads, as the console server reaches them. Default none: the page says they are not running.
 */
export function loadConsoleSettings(env: NodeJS.ProcessEnv = process.env): ConsoleServerOptions {
  const portText = env.CHAOS_CONSOLE_PORT ?? "8080";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) throw new Error(`CHAOS_CONSOLE_PORT must be a port number (0-65535), got "${portText}"`);
  const host = env.CHAOS_CONSOLE_HOST ?? "127.0.0.1";
  if (host === "") throw new Error("CHAOS_CONSOLE_HOST must not be empty");
  const gatewayUrl = env.CHAOS_CONSOLE_GATEWAY_URL ?? "http://127.0.0.1:7211";
  let parsed: URL;
  try {
    parsed = new URL(gatewayUrl);
  } catch {
    throw new Error(`CHAOS_CONSOLE_GATEWAY_URL must be a URL, got "${gatewayUrl}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`CHAOS_CONSOLE_GATEWAY_URL must be http(s), got "${gatewayUrl}"`);
  return {
    port,
    host,
    gatewayUrl: gatewayUrl.replace(/\/+$/, ""),
    prometheusUrl: toolUrl(env, "CHAOS_CONSOLE_PROMETHEUS_URL"),
    jaegerUrl: toolUrl(env, "CHAOS_CONSOLE_JAEGER_URL"),
  };
}

/** An optional http(s) base URL of an operator's tool, without its trailing slash. */
function toolUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} must be a URL, got "${raw}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`${name} must be http(s), got "${raw}"`);
  return raw.replace(/\/+$/, "");
}
