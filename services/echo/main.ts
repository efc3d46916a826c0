import { runService } from "@chaos/mesh";
import echo from "./service.js";

await runService(echo);
