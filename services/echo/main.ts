import { runService } from "@chaos/mesh/server";
import echo from "./service.js";

await runService(echo);
