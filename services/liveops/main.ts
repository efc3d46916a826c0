import { runService } from "@chaos/mesh/server";
import liveops from "./service.js";

await runService(liveops);
