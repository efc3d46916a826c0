import { runService } from "@chaos/mesh/server";
import notification from "./service.js";

await runService(notification);
