import { runService } from "@chaos/mesh";
import player from "./service.js";

await runService(player);
