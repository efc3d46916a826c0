import { runService } from "@chaos/mesh/server";
import analytics from "./service.js";

await runService(analytics);
