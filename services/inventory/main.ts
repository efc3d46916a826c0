import { runService } from "@chaos/mesh";
import inventory from "./service.js";

await runService(inventory);
