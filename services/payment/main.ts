import { runService } from "@chaos/mesh/server";
import payment from "./service.js";

await runService(payment);
