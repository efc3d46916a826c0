package main

import (
	"fmt"
	"sync"
	"time"

	gameserverv1 "chaos.world/gen/go/chaos/gameserver/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// match is one match the server was given.
type match struct {
	// The allocation as asked: a repeat with the same roster gets the same answer, another roster a conflict.
	request  *gameserverv1.AllocateMatchRequest
	teams    []simTeam
	leavers  []string
	start    time.Time
	end      time.Time
	over     bool
	reported bool
	// Reported, or given up on: nothing more will happen to it (the drain waits for this).
	settled bool
	result  outcome
}

// matchBook holds the matches and their rules: idempotent allocation by
// match id, a cap on matches playing at once, backfill and leavers while a
// match plays, and the result once its time is up.
type matchBook struct {
	mu         sync.Mutex
	matches    map[string]*match
	maxPlaying int
	duration   time.Duration
	tick       time.Duration
	retain     time.Duration
	draining   bool
	now        func() time.Time
	afterFunc  func(time.Duration, func())
	onStart    func()
	onEnd      func(matchID string, result outcome, leavers []string)
	onLeft     func(matchID, characterID string)
}

func newMatchBook(c config) *matchBook {
	return &matchBook{
		matches:    map[string]*match{},
		maxPlaying: c.maxMatches,
		duration:   c.matchDuration,
		tick:       c.tick,
		retain:     c.retain,
		now:        time.Now,
		afterFunc:  func(d time.Duration, f func()) { time.AfterFunc(d, f) },
	}
}

// allocate starts playing the match, or returns it when it was allocated with this very request before.
func (b *matchBook) allocate(request *gameserverv1.AllocateMatchRequest) (*gameserverv1.ServerMatch, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if existing, ok := b.matches[request.GetMatchId()]; ok {
		if !proto.Equal(existing.request, request) {
			return nil, reasonError(codes.AlreadyExists, gameserverv1.ErrorReason_ERROR_REASON_ALLOCATION_CONFLICT,
				fmt.Sprintf("match %s was allocated with another roster", request.GetMatchId()), map[string]string{"match_id": request.GetMatchId()})
		}
		return existing.view(), nil
	}
	if b.draining {
		// UNAVAILABLE: the caller retries, and another replica (or this one restarted) takes it.
		return nil, status.Error(codes.Unavailable, "the server is shutting down and takes no new matches")
	}
	if playing := b.playing(); playing >= b.maxPlaying {
		return nil, reasonError(codes.ResourceExhausted, gameserverv1.ErrorReason_ERROR_REASON_SERVER_FULL,
			fmt.Sprintf("the server plays %d matches, its limit", playing), map[string]string{"max_matches": fmt.Sprint(b.maxPlaying)})
	}
	start := b.now()
	m := &match{request: proto.Clone(request).(*gameserverv1.AllocateMatchRequest), start: start, end: start.Add(b.duration)}
	for _, team := range request.GetTeams() {
		t := simTeam{index: team.GetTeamIndex()}
		for _, player := range team.GetPlayers() {
			t.players = append(t.players, simPlayer{characterID: player.GetCharacterId(), rating: player.GetRating(), joinTick: 0, leaveTick: b.ticks()})
		}
		m.teams = append(m.teams, t)
	}
	b.matches[request.GetMatchId()] = m
	id := request.GetMatchId()
	b.afterFunc(b.duration, func() { b.finish(id) })
	if b.onStart != nil {
		b.onStart()
	}
	return m.view(), nil
}

// addPlayer backfills a team of a running match; a player already on the field is a repeat.
func (b *matchBook) addPlayer(matchID string, teamIndex int32, player *gameserverv1.MatchPlayer) (*gameserverv1.ServerMatch, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, err := b.running(matchID)
	if err != nil {
		return nil, err
	}
	for _, team := range m.teams {
		for _, p := range team.players {
			if p.characterID != player.GetCharacterId() {
				continue
			}
			if m.hasLeft(p.characterID) {
				return nil, invalidArgument(fmt.Sprintf("character %s left match %s and cannot rejoin it", p.characterID, matchID))
			}
			if team.index != teamIndex {
				return nil, invalidArgument(fmt.Sprintf("character %s plays for team %d of match %s, not team %d", p.characterID, team.index, matchID, teamIndex))
			}
			return m.view(), nil
		}
	}
	for i := range m.teams {
		if m.teams[i].index != teamIndex {
			continue
		}
		if m.onField(m.teams[i]) >= maxTeamPlayers {
			return nil, invalidArgument(fmt.Sprintf("team %d of match %s already has %d players", teamIndex, matchID, maxTeamPlayers))
		}
		m.teams[i].players = append(m.teams[i].players, simPlayer{characterID: player.GetCharacterId(), rating: player.GetRating(), joinTick: b.tickOf(m), leaveTick: b.ticks()})
		return m.view(), nil
	}
	return nil, invalidArgument(fmt.Sprintf("match %s has no team %d", matchID, teamIndex))
}

// disconnect takes a player off the field; matchmaking is told once (a repeat changes nothing).
func (b *matchBook) disconnect(matchID, characterID string) (*gameserverv1.ServerMatch, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, err := b.running(matchID)
	if err != nil {
		return nil, err
	}
	for i := range m.teams {
		for j := range m.teams[i].players {
			p := &m.teams[i].players[j]
			if p.characterID != characterID {
				continue
			}
			if !m.hasLeft(characterID) {
				p.leaveTick = b.tickOf(m)
				m.leavers = append(m.leavers, characterID)
				if b.onLeft != nil {
					go b.onLeft(matchID, characterID)
				}
			}
			return m.view(), nil
		}
	}
	return nil, reasonError(codes.NotFound, gameserverv1.ErrorReason_ERROR_REASON_PLAYER_NOT_IN_MATCH,
		fmt.Sprintf("character %s is not playing in match %s", characterID, matchID), map[string]string{"match_id": matchID, "character_id": characterID})
}

func (b *matchBook) get(matchID string) (*gameserverv1.ServerMatch, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.matches[matchID]
	if !ok {
		return nil, notFound(matchID)
	}
	return m.view(), nil
}

// finish ends the match when its time is up and hands the result to onEnd.
func (b *matchBook) finish(matchID string) {
	b.mu.Lock()
	m := b.matches[matchID]
	m.over = true
	m.result = simulate(m.request.GetSeed(), m.teams, b.ticks())
	leavers := append([]string(nil), m.leavers...)
	b.mu.Unlock()
	if b.onEnd != nil {
		b.onEnd(matchID, m.result, leavers)
	}
}

// settle records whether matchmaking has the result (false: reporting gave
// up), and forgets the match after the retention time.
func (b *matchBook) settle(matchID string, reported bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if m, ok := b.matches[matchID]; ok {
		m.reported, m.settled = reported, true
	}
	b.afterFunc(b.retain, func() { b.forget(matchID) })
}

func (b *matchBook) forget(matchID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.matches, matchID)
}

// drain refuses new matches from now on.
func (b *matchBook) drain() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draining = true
}

// unsettled is how many matches are playing or being reported.
func (b *matchBook) unsettled() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.matches {
		if !m.settled {
			n++
		}
	}
	return n
}

func (b *matchBook) running(matchID string) (*match, error) {
	m, ok := b.matches[matchID]
	if !ok {
		return nil, notFound(matchID)
	}
	if m.over {
		return nil, reasonError(codes.FailedPrecondition, gameserverv1.ErrorReason_ERROR_REASON_MATCH_OVER,
			fmt.Sprintf("match %s has ended", matchID), map[string]string{"match_id": matchID})
	}
	return m, nil
}

// playingNow is how many matches are in play (the metrics' gauge).
func (b *matchBook) playingNow() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.playing()
}

func (b *matchBook) playing() int {
	n := 0
	for _, m := range b.matches {
		if !m.over {
			n++
		}
	}
	return n
}

// ticks is a match's length in simulation ticks.
func (b *matchBook) ticks() int {
	return int(b.duration / b.tick)
}

// tickOf is the tick a match is at now (never past its end).
func (b *matchBook) tickOf(m *match) int {
	return min(int(b.now().Sub(m.start)/b.tick), b.ticks())
}

// maxTeamPlayers is the contract's limit on a team (MatchTeam.players max_items).
const maxTeamPlayers = 16

func (m *match) hasLeft(characterID string) bool {
	for _, id := range m.leavers {
		if id == characterID {
			return true
		}
	}
	return false
}

func (m *match) onField(team simTeam) int {
	n := 0
	for _, p := range team.players {
		if !m.hasLeft(p.characterID) {
			n++
		}
	}
	return n
}

func notFound(matchID string) error {
	return reasonError(codes.NotFound, gameserverv1.ErrorReason_ERROR_REASON_MATCH_NOT_FOUND,
		fmt.Sprintf("this server was never given match %s", matchID), map[string]string{"match_id": matchID})
}

// view is the match as the contract shows it: the players on the field now, the leavers apart.
func (m *match) view() *gameserverv1.ServerMatch {
	state := gameserverv1.MatchState_MATCH_STATE_PLAYING
	if m.reported {
		state = gameserverv1.MatchState_MATCH_STATE_REPORTED
	}
	view := &gameserverv1.ServerMatch{
		MatchId:            m.request.GetMatchId(),
		QueueId:            m.request.GetQueueId(),
		State:              state,
		LeaverCharacterIds: append([]string(nil), m.leavers...),
		AllocateTime:       timestamppb.New(m.start),
		EndTime:            timestamppb.New(m.end),
	}
	for _, team := range m.teams {
		t := &gameserverv1.MatchTeam{TeamIndex: team.index}
		for _, p := range team.players {
			if !m.hasLeft(p.characterID) {
				t.Players = append(t.Players, &gameserverv1.MatchPlayer{CharacterId: p.characterID, Rating: p.rating})
			}
		}
		view.Teams = append(view.Teams, t)
	}
	return view
}
