import { runService } from "@chaos/mesh";
import gateway from "./service.js";

await runService(gateway);
