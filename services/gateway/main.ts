import { runService } from "@chaos/mesh/server";
import gateway from "./service.js";

await runService(gateway);
