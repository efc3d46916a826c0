import { runService } from "@chaos/mesh/server";
import identity from "./service.js";

await runService(identity);
