import { runService } from "@chaos/mesh/server";
import anticheat from "./service.js";

await runService(anticheat);
