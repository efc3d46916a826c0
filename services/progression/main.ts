import { runService } from "@chaos/mesh";
import progression from "./service.js";

await runService(progression);
