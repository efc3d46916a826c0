import fs from "node:fs";
import path from "node:path";
import { dataDir, type InfraConfig } from "./config.js";
import { goBinDir, goInstall } from "./go-install.js";
import { portBusyError, portInUse, readPid, spawnDetached, tailFile, terminate, waitUntil } from "./proc.js";

/**
 * Mailpit, the local SMTP server the notification service sends its emails
 * to: it keeps them (in a SQLite file under .chaos/mailpit) and shows them in
 * a web UI and an HTTP API (/api/v1/messages, /api/v1/search) that the tests
 * read. Installed with `go install` into .chaos/bin, like grpcurl.
 */
const mailpitModule = "github.com/axllent/mailpit@v1.33.1";
const binary = path.join(goBinDir, "mailpit");
const dir = path.join(dataDir, "mailpit");
const pidFile = path.join(dir, "mailpit.pid");
const logFile = path.join(dir, "mailpit.log");

/** A running Mailpit. */
export interface MailpitEndpoint {
  /** Where services send mail: smtp://127.0.0.1:<port>. */
  readonly smtpUrl: string;
  /** Its web UI and HTTP API: http://127.0.0.1:<port>. */
  readonly httpUrl: string;
  /** True when this call started the server. */
  readonly started: boolean;
}

/** True when Mailpit's HTTP API answers its readiness check within a few seconds. */
export async function mailpitHealthy(httpUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Installs the pinned Mailpit into .chaos/bin once. */
function ensureMailpitBinary(): Promise<void> {
  return goInstall([mailpitModule], ".mailpit-version", "Mailpit (the local SMTP server)");
}

/** Starts (or finds) Mailpit, SMTP and HTTP on fixed loopback ports. Idempotent. */
export async function ensureMailpit(config: InfraConfig): Promise<MailpitEndpoint> {
  const smtpUrl = `smtp://127.0.0.1:${config.mailpitSmtpPort}`;
  const httpUrl = `http://127.0.0.1:${config.mailpitHttpPort}`;
  if (await mailpitHealthy(httpUrl)) return { smtpUrl, httpUrl, started: false };
  for (const [port, variable] of [[config.mailpitSmtpPort, "CHAOS_MAILPIT_SMTP_PORT"], [config.mailpitHttpPort, "CHAOS_MAILPIT_HTTP_PORT"]] as const) {
    if (await portInUse(port)) throw portBusyError(port, "Mailpit", variable);
  }
  await ensureMailpitBinary();
  fs.mkdirSync(dir, { recursive: true });
  const pid = spawnDetached(binary, [
    "--smtp", `127.0.0.1:${config.mailpitSmtpPort}`,
    "--listen", `127.0.0.1:${config.mailpitHttpPort}`,
    "--database", path.join(dir, "mailpit.db"),
    // Local mail carries no credentials; the services send without AUTH over loopback.
    "--smtp-auth-accept-any",
    "--smtp-auth-allow-insecure",
    // Tests send hundreds of mails per run; the oldest go first beyond this.
    "--max", "5000",
    "--disable-version-check",
    "--quiet",
  ], logFile);
  fs.writeFileSync(pidFile, String(pid));
  if (!(await waitUntil(() => mailpitHealthy(httpUrl), 20_000))) {
    throw new Error(`Mailpit did not answer ${httpUrl}/readyz within 20 s.\n--- ${logFile} ---\n${tailFile(logFile)}`);
  }
  return { smtpUrl, httpUrl, started: true };
}

/** Stops the local Mailpit if it runs. */
export async function stopMailpit(): Promise<void> {
  const pid = readPid(pidFile);
  if (pid !== undefined) await terminate(pid);
}

/** One line on Mailpit's state. */
export async function mailpitStatus(config: InfraConfig): Promise<string> {
  const httpUrl = `http://127.0.0.1:${config.mailpitHttpPort}`;
  return `mailpit   ${(await mailpitHealthy(httpUrl)) ? "up  " : "down"}  smtp 127.0.0.1:${config.mailpitSmtpPort}, web ${httpUrl}`;
}
