import { runService } from "@chaos/mesh/server";
import matchmaking from "./service.js";

await runService(matchmaking);
