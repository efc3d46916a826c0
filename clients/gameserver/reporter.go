package main

import (
	"context"
	"log/slog"
	"time"

	matchmakingv1 "chaos.world/gen/go/chaos/matchmaking/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"
)

// reporter tells matchmaking what happened on the server: each match's
// result and each player who left. Both calls are idempotent on
// matchmaking's side (by match id; by match and character), so a call whose
// answer was lost is simply sent again: it retries while matchmaking is
// UNAVAILABLE (restarting, draining, not up yet), with backoff, for up to
// `timeout`.
type reporter struct {
	client  matchmakingv1.MatchmakingInternalServiceClient
	conn    *grpc.ClientConn
	timeout time.Duration
	log     *slog.Logger
	// Closed on shutdown: retries stop waiting.
	stop <-chan struct{}
}

// newReporter dials matchmaking: mTLS with our SVID, accepting only
// matchmaking's SPIFFE ID (native mode); plaintext to the local Envoy, which
// does both, in sidecar mode.
func newReporter(c config, svids *svidSource, log *slog.Logger, stop <-chan struct{}) (*reporter, error) {
	creds := insecure.NewCredentials()
	if c.mode == "native" {
		creds = credentials.NewTLS(svids.clientTLS(spiffeID{trustDomain: c.trustDomain, namespace: c.namespace, serviceAccount: "matchmaking"}))
	}
	// Keepalive as the mesh's Node clients: a dead connection is noticed between reports, not on the next one.
	conn, err := grpc.NewClient(c.matchmakingAddr, grpc.WithTransportCredentials(creds),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second, PermitWithoutStream: true}))
	if err != nil {
		return nil, err
	}
	return &reporter{client: matchmakingv1.NewMatchmakingInternalServiceClient(conn), conn: conn, timeout: c.reportTimeout, log: log, stop: stop}, nil
}

// reportResult sends the outcome; true once matchmaking has it.
func (r *reporter) reportResult(matchID string, result outcome, leavers []string) bool {
	request := &matchmakingv1.ReportMatchResultRequest{MatchId: matchID, WinningTeamIndex: result.winningTeam, Draw: result.draw, LeaverCharacterIds: leavers}
	return r.retrying("ReportMatchResult", matchID, func(ctx context.Context) error {
		response, err := r.client.ReportMatchResult(ctx, request)
		if err == nil {
			r.log.Info("match result reported", "match_id", matchID, "winning_team_index", result.winningTeam, "draw", result.draw, "scores", result.scores, "leavers", len(leavers), "duplicate", response.GetDuplicate())
		}
		return err
	})
}

// reportLeft tells matchmaking a player dropped out, so it looks for a replacement.
func (r *reporter) reportLeft(matchID, characterID string) bool {
	return r.retrying("ReportPlayerLeft", matchID, func(ctx context.Context) error {
		response, err := r.client.ReportPlayerLeft(ctx, &matchmakingv1.ReportPlayerLeftRequest{MatchId: matchID, CharacterId: characterID})
		if err == nil {
			r.log.Info("leaver reported", "match_id", matchID, "character_id", characterID, "backfill_requested", response.GetBackfillRequested())
		}
		return err
	})
}

func (r *reporter) retrying(method, matchID string, call func(context.Context) error) bool {
	deadline := time.Now().Add(r.timeout)
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := call(ctx)
		cancel()
		if err == nil {
			return true
		}
		code := status.Code(err)
		retryable := code == codes.Unavailable || code == codes.DeadlineExceeded
		if !retryable || time.Now().Add(backoff).After(deadline) {
			r.log.Error("matchmaking refused or stayed unreachable; giving up", "method", method, "match_id", matchID, "attempts", attempt, "code", code.String(), "error", status.Convert(err).Message())
			return false
		}
		r.log.Warn("matchmaking unavailable; retrying", "method", method, "match_id", matchID, "attempt", attempt, "in_ms", backoff.Milliseconds())
		select {
		case <-time.After(backoff):
		case <-r.stop:
			r.log.Error("shutting down before matchmaking answered", "method", method, "match_id", matchID)
			return false
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}
