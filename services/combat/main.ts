import { runService } from "@chaos/mesh/server";
import combat from "./service.js";

await runService(combat);
