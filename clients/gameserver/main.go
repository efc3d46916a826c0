// Command chaos-gameserver is Chaos World's dedicated game server: a Go
// workload of the mesh (declared in services/gameserver/service.ts). It
// serves chaos.gameserver.v1.GameServerService over gRPC with mTLS and its
// own X.509-SVID, enforces the system's authorization policy on every call,
// plays the matches matchmaking allocates (a deterministic simulation), and
// reports results and leavers to matchmaking's internal face.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	gameserverv1 "chaos.world/gen/go/chaos/gameserver/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()})).With("service", workloadName)
	if err := run(log); err != nil {
		log.Error("stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	c, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	svids, err := newSvidSource(c.pkiDir, workloadName, c.svidRefresh)
	if err != nil && c.mode == "native" {
		return err
	}
	rules, err := loadPolicy(c.policyFile, workloadName, c.trustDomain, c.namespace)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	report, err := newReporter(c, svids, log, stop)
	if err != nil {
		return err
	}
	defer report.conn.Close()

	book := newMatchBook(c)
	counters := newMetrics(book.playingNow)
	book.onStart = func() { counters.add("chaos_gameserver_matches_started_total") }
	book.onEnd = func(matchID string, result outcome, leavers []string) {
		reported := report.reportResult(matchID, result, leavers)
		counters.add("chaos_gameserver_reports_total", "method", "ReportMatchResult", "outcome", outcomeLabel(reported))
		book.settle(matchID, reported)
	}
	book.onLeft = func(matchID, characterID string) {
		counters.add("chaos_gameserver_reports_total", "method", "ReportPlayerLeft", "outcome", outcomeLabel(report.reportLeft(matchID, characterID)))
	}

	creds := insecure.NewCredentials()
	if c.mode == "native" {
		creds = credentials.NewTLS(svids.serverTLS(c.trustDomain))
	}
	guard := &authorizer{policy: rules, mode: c.mode, log: log}
	server := grpc.NewServer(
		grpc.Creds(creds),
		grpc.ChainUnaryInterceptor(counters.unary, guard.unary),
		grpc.ChainStreamInterceptor(guard.stream),
		// The mesh's clients ping idle connections every 30 s to keep them warm; grpc-go's default (5 min, not
		// without calls) would answer with GOAWAY too_many_pings. The same tolerance as the Node servers'.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	host, _ := os.Hostname()
	gameserverv1.RegisterGameServerServiceServer(server, &gameServer{book: book, serverID: fmt.Sprintf("%s-%s-%d", workloadName, host, os.Getpid())})
	healthServer := health.NewServer()
	healthpb.RegisterHealthServer(server, healthServer)
	reflection.Register(server)
	healthServer.SetServingStatus(gameserverv1.GameServerService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)

	internal, err := net.Listen("tcp", c.internalAddr)
	if err != nil {
		return fmt.Errorf("internal face: %w", err)
	}
	admin, err := net.Listen("tcp", c.adminAddr)
	if err != nil {
		return fmt.Errorf("admin face: %w", err)
	}
	var ready atomic.Bool
	ready.Store(true)
	adminServer := &http.Server{Handler: adminHandler(&ready, counters), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = adminServer.Serve(admin) }()
	served := make(chan error, 1)
	go func() { served <- server.Serve(internal) }()

	// The ready line `npm start` and the test stacks wait for, as runService prints it.
	// A struct, not a map: "ready" must come first (the parents look for lines starting {"ready":).
	line, _ := json.Marshal(struct {
		Ready        string `json:"ready"`
		InternalPort int    `json:"internalPort"`
		AdminPort    int    `json:"adminPort"`
	}{workloadName, portOf(internal), portOf(admin)})
	fmt.Println(string(line))
	log.Info("serving", "internal", internal.Addr().String(), "admin", admin.Addr().String(), "mode", c.mode, "max_matches", c.maxMatches, "match_ms", c.matchDuration.Milliseconds())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-served:
		return err
	case <-signals:
	}
	drain(log, c, &ready, healthServer, book, server, adminServer)
	close(stop)
	return nil
}

// drain is the shutdown: unready and NOT_SERVING at once (probes and
// balancers move new matches elsewhere), no new allocations, the matches in
// play finished and reported while calls (backfill, leavers) are still
// served, then the calls in flight; all within the grace.
func drain(log *slog.Logger, c config, ready *atomic.Bool, healthServer *health.Server, book *matchBook, server *grpc.Server, admin *http.Server) {
	log.Info("shutting down", "grace_ms", c.shutdownGrace.Milliseconds())
	deadline := time.Now().Add(c.shutdownGrace)
	ready.Store(false)
	healthServer.Shutdown()
	book.drain()
	for book.unsettled() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := book.unsettled(); n > 0 {
		log.Warn("matches not reported within the grace", "matches", n)
	}
	stopped := make(chan struct{})
	go func() {
		server.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(time.Until(deadline) + time.Second):
		server.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = admin.Shutdown(ctx)
	log.Info("stopped")
}

func outcomeLabel(reported bool) string {
	if reported {
		return "reported"
	}
	return "gave_up"
}

func logLevel() slog.Level {
	var level slog.Level
	if err := level.UnmarshalText([]byte(or(os.Getenv("CHAOS_LOG_LEVEL"), "info"))); err != nil {
		return slog.LevelInfo
	}
	return level
}
