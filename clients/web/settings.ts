import type { ConsoleServerOptions } from "./server.js";

/**
 * The console server's settings from the environment, validated: a bad value
 * throws an error naming the variable.
 * - CHAOS_CONSOLE_PORT: port to listen on (0 = any free port). Default 8080.
 * - CHAOS_CONSOLE_HOST: address to listen on. Default 127.0.0.1.
 * - CHAOS_CONSOLE_GATEWAY_URL: the gateway's HTTP/1.1 edge as browsers reach it. Default http://127.0.0.1:7211.
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
  return { port, host, gatewayUrl: gatewayUrl.replace(/\/+$/, "") };
}
