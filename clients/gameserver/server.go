package main

import (
	"context"
	"fmt"
	"math"
	"regexp"

	gameserverv1 "chaos.world/gen/go/chaos/gameserver/v1"
)

// gameServer is chaos.gameserver.v1.GameServerService over the match book.
type gameServer struct {
	gameserverv1.UnimplementedGameServerServiceServer
	book     *matchBook
	serverID string
}

func (s *gameServer) AllocateMatch(_ context.Context, request *gameserverv1.AllocateMatchRequest) (*gameserverv1.AllocateMatchResponse, error) {
	if err := validateAllocation(request); err != nil {
		return nil, err
	}
	m, err := s.book.allocate(request)
	if err != nil {
		return nil, err
	}
	return &gameserverv1.AllocateMatchResponse{ServerId: s.serverID, Match: m}, nil
}

func (s *gameServer) AddPlayer(_ context.Context, request *gameserverv1.AddPlayerRequest) (*gameserverv1.AddPlayerResponse, error) {
	if err := firstError(uuid("match_id", request.GetMatchId()), nonNegative("team_index", request.GetTeamIndex()), validatePlayer("player", request.GetPlayer())); err != nil {
		return nil, err
	}
	m, err := s.book.addPlayer(request.GetMatchId(), request.GetTeamIndex(), request.GetPlayer())
	if err != nil {
		return nil, err
	}
	return &gameserverv1.AddPlayerResponse{Match: m}, nil
}

func (s *gameServer) DisconnectPlayer(_ context.Context, request *gameserverv1.DisconnectPlayerRequest) (*gameserverv1.DisconnectPlayerResponse, error) {
	if err := firstError(uuid("match_id", request.GetMatchId()), uuid("character_id", request.GetCharacterId())); err != nil {
		return nil, err
	}
	m, err := s.book.disconnect(request.GetMatchId(), request.GetCharacterId())
	if err != nil {
		return nil, err
	}
	return &gameserverv1.DisconnectPlayerResponse{Match: m}, nil
}

func (s *gameServer) GetMatch(_ context.Context, request *gameserverv1.GetMatchRequest) (*gameserverv1.GetMatchResponse, error) {
	if err := uuid("match_id", request.GetMatchId()); err != nil {
		return nil, err
	}
	m, err := s.book.get(request.GetMatchId())
	if err != nil {
		return nil, err
	}
	return &gameserverv1.GetMatchResponse{Match: m}, nil
}

// The contract's rules (buf.validate in game_server_service.proto), checked
// by hand: the Node services run protovalidate, which has no Go build here
// without a CEL engine this small server does not need.

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func validateAllocation(request *gameserverv1.AllocateMatchRequest) error {
	if err := uuid("match_id", request.GetMatchId()); err != nil {
		return err
	}
	if n := len(request.GetQueueId()); n < 1 || n > 64 {
		return invalidArgument("queue_id: must be 1 to 64 characters")
	}
	if n := len(request.GetTeams()); n < 2 || n > 8 {
		return invalidArgument(fmt.Sprintf("teams: a match has 2 to 8 teams, got %d", n))
	}
	teams, players := map[int32]bool{}, map[string]bool{}
	for i, team := range request.GetTeams() {
		at := fmt.Sprintf("teams[%d]", i)
		if err := nonNegative(at+".team_index", team.GetTeamIndex()); err != nil {
			return err
		}
		if teams[team.GetTeamIndex()] {
			return invalidArgument(fmt.Sprintf("%s.team_index: team %d is listed twice", at, team.GetTeamIndex()))
		}
		teams[team.GetTeamIndex()] = true
		if n := len(team.GetPlayers()); n < 1 || n > maxTeamPlayers {
			return invalidArgument(fmt.Sprintf("%s.players: a team has 1 to %d players, got %d", at, maxTeamPlayers, n))
		}
		for j, player := range team.GetPlayers() {
			where := fmt.Sprintf("%s.players[%d]", at, j)
			if err := validatePlayer(where, player); err != nil {
				return err
			}
			if players[player.GetCharacterId()] {
				return invalidArgument(fmt.Sprintf("%s.character_id: %s plays twice in the match", where, player.GetCharacterId()))
			}
			players[player.GetCharacterId()] = true
		}
	}
	return nil
}

func validatePlayer(at string, player *gameserverv1.MatchPlayer) error {
	if player == nil {
		return invalidArgument(at + ": required")
	}
	if err := uuid(at+".character_id", player.GetCharacterId()); err != nil {
		return err
	}
	if math.IsNaN(player.GetRating()) || math.IsInf(player.GetRating(), 0) {
		return invalidArgument(at + ".rating: must be finite")
	}
	return nil
}

func uuid(field, value string) error {
	if !uuidPattern.MatchString(value) {
		return invalidArgument(fmt.Sprintf("%s: must be a UUID, got %q", field, value))
	}
	return nil
}

func nonNegative(field string, value int32) error {
	if value < 0 {
		return invalidArgument(fmt.Sprintf("%s: must be 0 or more, got %d", field, value))
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
