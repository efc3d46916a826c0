package main

import (
	"reflect"
	"testing"
)

func roster(ratingA, ratingB float64) []simTeam {
	return []simTeam{
		{index: 0, players: []simPlayer{{characterID: "a1", rating: ratingA, leaveTick: 100}, {characterID: "a2", rating: ratingA, leaveTick: 100}}},
		{index: 1, players: []simPlayer{{characterID: "b1", rating: ratingB, leaveTick: 100}, {characterID: "b2", rating: ratingB, leaveTick: 100}}},
	}
}

func TestTheSameSeedAndRosterPlayTheSameMatch(t *testing.T) {
	first := simulate(42, roster(10, 10), 100)
	for i := 0; i < 5; i++ {
		if again := simulate(42, roster(10, 10), 100); !reflect.DeepEqual(again, first) {
			t.Fatalf("replay %d differs: %+v, then %+v", i, first, again)
		}
	}
}

func TestTheSeedAndTheRosterBothChangeTheMatch(t *testing.T) {
	base := simulate(42, roster(10, 10), 100).scores
	differentSeeds, differentRosters := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		if !reflect.DeepEqual(simulate(42+seed, roster(10, 10), 100).scores, base) {
			differentSeeds++
		}
		other := roster(10, 10)
		other[0].players[0].characterID = "someone-else"
		if !reflect.DeepEqual(simulate(42+seed, other, 100).scores, simulate(42+seed, roster(10, 10), 100).scores) {
			differentRosters++
		}
	}
	if differentSeeds < 15 || differentRosters < 15 {
		t.Fatalf("seeds changed %d of 20 matches, rosters %d of 20", differentSeeds, differentRosters)
	}
}

func TestTheBetterRatedTeamWinsMostMatches(t *testing.T) {
	wins := 0
	for seed := uint64(0); seed < 200; seed++ {
		result := simulate(seed, roster(10, 0), 20)
		if !result.draw && result.winningTeam == 0 {
			wins++
		}
	}
	if wins < 130 || wins == 200 {
		t.Fatalf("the strong team won %d of 200: it should win most, not all", wins)
	}
}

func TestAPlayerScoresOnlyWhileOnTheField(t *testing.T) {
	teams := []simTeam{
		{index: 3, players: []simPlayer{{characterID: "gone", rating: 40, joinTick: 0, leaveTick: 0}}},
		{index: 7, players: []simPlayer{{characterID: "late", rating: 0, joinTick: 50, leaveTick: 100}}},
	}
	result := simulate(9, teams, 100)
	if result.scores[0] != 0 || result.scores[1] == 0 || result.scores[1] > 50 {
		t.Fatalf("scores %v: the leaver scores nothing, the replacement only in its 50 ticks", result.scores)
	}
	if result.draw || result.winningTeam != 7 {
		t.Fatalf("team index 7 should win, got %+v", result)
	}
}

func TestEqualTopScoresAreADraw(t *testing.T) {
	empty := []simTeam{{index: 0, players: []simPlayer{{characterID: "x", leaveTick: 0}}}, {index: 1, players: []simPlayer{{characterID: "y", leaveTick: 0}}}}
	if result := simulate(1, empty, 10); !result.draw {
		t.Fatalf("0:0 should be a draw, got %+v", result)
	}
}

func TestLeavingDoesNotReshuffleTheOthersLuck(t *testing.T) {
	stay := roster(10, 10)
	leave := roster(10, 10)
	leave[0].players[0].leaveTick = 10
	a, b := simulate(5, stay, 100), simulate(5, leave, 100)
	if a.scores[1] != b.scores[1] {
		t.Fatalf("team 1 scored %d with everyone there and %d after a player of team 0 left", a.scores[1], b.scores[1])
	}
}
