package main

import (
	"testing"
	"time"

	gameserverv1 "chaos.world/gen/go/chaos/gameserver/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A book on a clock the test moves; timers run when the test says so.
type testBook struct {
	*matchBook
	now    time.Time
	timers []func()
	ended  []string
}

func newTestBook(max int) *testBook {
	tb := &testBook{now: time.Unix(1_800_000_000, 0)}
	tb.matchBook = newMatchBook(config{maxMatches: max, matchDuration: time.Second, tick: 100 * time.Millisecond, retain: time.Minute})
	tb.matchBook.now = func() time.Time { return tb.now }
	tb.matchBook.afterFunc = func(_ time.Duration, f func()) { tb.timers = append(tb.timers, f) }
	tb.matchBook.onEnd = func(id string, _ outcome, _ []string) { tb.ended = append(tb.ended, id) }
	return tb
}

func request(id string, players ...string) *gameserverv1.AllocateMatchRequest {
	return &gameserverv1.AllocateMatchRequest{
		MatchId: id, QueueId: "ranked-1v1", Seed: 1,
		Teams: []*gameserverv1.MatchTeam{
			{TeamIndex: 0, Players: []*gameserverv1.MatchPlayer{{CharacterId: players[0], Rating: 1}}},
			{TeamIndex: 1, Players: []*gameserverv1.MatchPlayer{{CharacterId: players[1], Rating: 1}}},
		},
	}
}

func reasonOf(t *testing.T, err error, code codes.Code) string {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	for _, detail := range st.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			if info.GetDomain() != errorDomain {
				t.Fatalf("domain %q", info.GetDomain())
			}
			return info.GetReason()
		}
	}
	return ""
}

func TestAllocationIsIdempotentByMatchIDAndRefusesAnotherRoster(t *testing.T) {
	b := newTestBook(2)
	first, err := b.allocate(request("m1", "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	b.now = b.now.Add(300 * time.Millisecond)
	again, err := b.allocate(request("m1", "a", "b"))
	if err != nil || !again.GetAllocateTime().AsTime().Equal(first.GetAllocateTime().AsTime()) {
		t.Fatalf("the repeat was %v, %v", again, err)
	}
	if len(b.timers) != 1 {
		t.Fatalf("the repeat started the match again (%d timers)", len(b.timers))
	}
	_, err = b.allocate(request("m1", "a", "c"))
	if reason := reasonOf(t, err, codes.AlreadyExists); reason != "ERROR_REASON_ALLOCATION_CONFLICT" {
		t.Fatalf("reason %q", reason)
	}
}

func TestCapacityCountsOnlyMatchesInPlay(t *testing.T) {
	b := newTestBook(1)
	if _, err := b.allocate(request("m1", "a", "b")); err != nil {
		t.Fatal(err)
	}
	_, err := b.allocate(request("m2", "c", "d"))
	if reason := reasonOf(t, err, codes.ResourceExhausted); reason != "ERROR_REASON_SERVER_FULL" {
		t.Fatalf("reason %q", reason)
	}
	b.timers[0]() // m1's time is up
	if _, err := b.allocate(request("m2", "c", "d")); err != nil {
		t.Fatalf("after m1 ended: %v", err)
	}
	if len(b.ended) != 1 || b.ended[0] != "m1" {
		t.Fatalf("ended %v", b.ended)
	}
}

func TestALeaverScoresUntilTheTickTheyLeftAndIsReportedOnce(t *testing.T) {
	b := newTestBook(1)
	left := make(chan string, 4)
	b.onLeft = func(_, characterID string) { left <- characterID }
	if _, err := b.allocate(request("m1", "a", "b")); err != nil {
		t.Fatal(err)
	}
	b.now = b.now.Add(450 * time.Millisecond)
	if _, err := b.disconnect("m1", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.disconnect("m1", "b"); err != nil {
		t.Fatal(err)
	}
	m := b.matches["m1"]
	if got := m.teams[1].players[0].leaveTick; got != 4 {
		t.Fatalf("left at tick %d, want 4", got)
	}
	if _, err := b.addPlayer("m1", 1, &gameserverv1.MatchPlayer{CharacterId: "b"}); err == nil {
		t.Fatal("a leaver rejoined")
	}
	if _, err := b.addPlayer("m1", 1, &gameserverv1.MatchPlayer{CharacterId: "r", Rating: 2}); err != nil {
		t.Fatal(err)
	}
	if got := m.teams[1].players[1].joinTick; got != 4 {
		t.Fatalf("the replacement joined at tick %d, want 4", got)
	}
	b.timers[0]()
	_, err := b.addPlayer("m1", 0, &gameserverv1.MatchPlayer{CharacterId: "late"})
	if reason := reasonOf(t, err, codes.FailedPrecondition); reason != "ERROR_REASON_MATCH_OVER" {
		t.Fatalf("reason %q", reason)
	}
	// onLeft runs on a goroutine of its own (reporting may take retries); once, for the first disconnect.
	if got := <-left; got != "b" || len(left) != 0 {
		t.Fatalf("matchmaking was told of %q, then %d more", got, len(left))
	}
	if _, err = b.get("nope"); reasonOf(t, err, codes.NotFound) != "ERROR_REASON_MATCH_NOT_FOUND" {
		t.Fatal(err)
	}
}
