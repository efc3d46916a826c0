import { runService } from "@chaos/mesh/server";
import chat from "./service.js";

await runService(chat);
