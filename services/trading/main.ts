import { runService } from "@chaos/mesh/server";
import trading from "./service.js";

await runService(trading);
