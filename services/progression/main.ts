import { runService } from "@chaos/mesh/server";
import progression from "./service.js";

await runService(progression);
