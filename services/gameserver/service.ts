import { GameServerService } from "@chaos/gen/chaos/gameserver/v1/game_server_service_pb.js";
import { MatchmakingInternalService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_internal_service_pb.js";
import { defineForeignWorkload } from "@chaos/mesh/server";

/**
 * The dedicated game server, written in Go (clients/gameserver): the same
 * contracts, SVIDs and policy as every Node service, proved from another
 * language. Matchmaking allocates matches on it and backfills them; it
 * reports each result and each leaver back.
 */
export default defineForeignWorkload({
  name: "gameserver",
  description: "The dedicated game server (Go): plays the matches matchmaking allocates and reports their results and leavers.",
  port: 7450,
  // Operators may look a match up and end a player's part in it by hand (a stuck client); matches are matchmaking's to allocate.
  serves: [{ service: GameServerService, operatorMethods: ["getMatch", "disconnectPlayer"] }],
  calls: [{ service: MatchmakingInternalService, methods: ["reportMatchResult", "reportPlayerLeft"] }],
  process: {
    sourceDir: "clients/gameserver",
    build: ["go", "build", "-o", "{output}", "."],
    executable: ".chaos/bin/chaos-gameserver",
    image: "chaos-world-gameserver",
  },
});
