import { runService } from "@chaos/mesh";
import identity from "./service.js";

await runService(identity);
