import { runService } from "@chaos/mesh/server";
import player from "./service.js";

await runService(player);
