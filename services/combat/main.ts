import { runService } from "@chaos/mesh";
import combat from "./service.js";

await runService(combat);
