/**
 * npm run infra -- up|down|status
 * Provisions the local PostgreSQL, Redis and Kafka (see README, "Infrastructure").
 */
import { ensureInfra, infraStatus, stopInfra } from "./index.js";

const command = process.argv[2] ?? "status";
try {
  switch (command) {
    case "up": {
      const { endpoints } = await ensureInfra();
      console.log(await infraStatus());
      console.log(`\nservice databases: ${Object.keys(endpoints.postgresUrls).join(", ")}`);
      break;
    }
    case "down":
      await stopInfra();
      console.log(await infraStatus());
      break;
    case "status":
      console.log(await infraStatus());
      break;
    default:
      console.error(`unknown command "${command}"; use up, down or status`);
      process.exitCode = 2;
  }
} catch (error) {
  console.error(`[infra] ${(error as Error).message}`);
  process.exitCode = 1;
}
