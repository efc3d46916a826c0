/**
 * Runs the web console server on its own (npm start runs it in-process):
 * `npx tsx clients/web/main.ts`. Settings: see settings.ts.
 */
import { startConsoleServer } from "./server.js";
import { loadConsoleSettings } from "./settings.js";

const settings = loadConsoleSettings();
const server = await startConsoleServer(settings);
console.log(`web console ready at ${server.url} (gateway ${settings.gatewayUrl})`);

const stop = () => void server.close().finally(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
