import { runService } from "@chaos/mesh/server";
import audit from "./service.js";

await runService(audit);
