package main

import "math"

// The match simulation: pure and deterministic, so the same seed, roster and
// joins/leaves play the same match on any server, in any Go version (its own
// PRNG, no math/rand). Each tick every player on the field scores a point
// with a chance that grows with their rating; the team with the most points
// wins, and equal top scores are a draw.

// simPlayer is one player's time on the field, in ticks: from joinTick
// (0 for the starting roster) until leaveTick (exclusive; the match's length
// when they stayed to the end).
type simPlayer struct {
	characterID string
	rating      float64
	joinTick    int
	leaveTick   int
}

// simTeam is one side, by its team index.
type simTeam struct {
	index   int32
	players []simPlayer
}

// outcome is how a match ended.
type outcome struct {
	// Points per team, in the order of the teams given.
	scores      []int64
	winningTeam int32
	draw        bool
}

// simulate plays `ticks` ticks of the match.
func simulate(seed uint64, teams []simTeam, ticks int) outcome {
	rng := splitmix64{state: seed ^ rosterHash(teams)}
	scores := make([]int64, len(teams))
	for tick := 0; tick < ticks; tick++ {
		for t, team := range teams {
			for _, player := range team.players {
				// Drawn for every player every tick, on the field or not, so one player's leaving does not reshuffle the others' luck.
				roll := rng.float64()
				if tick >= player.joinTick && tick < player.leaveTick && roll < scoringChance(player.rating) {
					scores[t]++
				}
			}
		}
	}
	result := outcome{scores: scores}
	best, leaders := int64(-1), 0
	for t, score := range scores {
		switch {
		case score > best:
			best, leaders, result.winningTeam = score, 1, teams[t].index
		case score == best:
			leaders++
		}
	}
	if leaders != 1 {
		result.draw, result.winningTeam = true, 0
	}
	return result
}

// scoringChance maps a conservative rating (mu - 3 sigma: about 0 for a new
// player, 30-40 for the best) to a per-tick chance in [0.05, 0.95]: the better
// player usually, not always, scores more.
func scoringChance(rating float64) float64 {
	return math.Max(0.05, math.Min(0.95, 0.3+rating/80))
}

// rosterHash mixes the roster (teams, characters, ratings, in order) into the seed: another roster is another match.
func rosterHash(teams []simTeam) uint64 {
	h := uint64(14695981039346656037) // FNV-1a 64
	mix := func(b byte) { h = (h ^ uint64(b)) * 1099511628211 }
	for _, team := range teams {
		for i := 0; i < 4; i++ {
			mix(byte(uint32(team.index) >> (8 * i)))
		}
		for _, player := range team.players {
			for i := 0; i < len(player.characterID); i++ {
				mix(player.characterID[i])
			}
			bits := math.Float64bits(player.rating)
			for i := 0; i < 8; i++ {
				mix(byte(bits >> (8 * i)))
			}
			mix(0xff)
		}
		mix(0xfe)
	}
	return h
}

// splitmix64 is a small, well-known PRNG (Steele, Lea, Flood 2014): fixed here so results never depend on a library's choice.
type splitmix64 struct{ state uint64 }

func (s *splitmix64) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float64 is uniform in [0, 1).
func (s *splitmix64) float64() float64 {
	return float64(s.next()>>11) / (1 << 53)
}
