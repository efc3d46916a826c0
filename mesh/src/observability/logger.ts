import { pino, type Logger } from "pino";

/**
 * Structured JSON logs (pino), one logger per service with its name bound.
 * Level from CHAOS_LOG_LEVEL (default "info"; tests set "warn" to stay quiet).
 */
export function createLogger(service: string, level = process.env.CHAOS_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
