import { runService } from "@chaos/mesh/server";
import guild from "./service.js";

await runService(guild);
