import { runService } from "@chaos/mesh/server";
import inventory from "./service.js";

await runService(inventory);
