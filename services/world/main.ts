import { runService } from "@chaos/mesh/server";
import world from "./service.js";

await runService(world);
