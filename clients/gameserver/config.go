package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// workloadName is the game server's name in the system: its SPIFFE service
// account, its entry in the registry and the policy (services/gameserver/service.ts).
const workloadName = "gameserver"

// config is everything the server reads at start-up. The mesh's variables
// mean what they mean to the Node runtime (mesh/src/mesh-config.ts), so `npm
// start`, the test stacks and the Kubernetes ConfigMap start it like any
// service; the CHAOS_GAMESERVER_* ones are its own.
type config struct {
	// "native": mTLS with our SVID; "sidecar": Envoy terminates it and forwards the caller in x-forwarded-client-cert.
	mode        string
	trustDomain string
	namespace   string
	pkiDir      string
	// The SVID files are read again this often (rotation).
	svidRefresh time.Duration
	policyFile  string
	// Where we listen; the registry's address unless CHAOS_INTERNAL_PORT / CHAOS_ADMIN_PORT say otherwise (0: any free port).
	internalAddr string
	adminAddr    string
	// Matchmaking's internal face: CHAOS_ADDR_MATCHMAKING, else the registry's.
	matchmakingAddr string
	// How long a match is played (CHAOS_GAMESERVER_MATCH_MS).
	matchDuration time.Duration
	// The simulation's step (CHAOS_GAMESERVER_TICK_MS): a match has matchDuration/tick ticks.
	tick time.Duration
	// Matches played at once; more are refused with SERVER_FULL (CHAOS_GAMESERVER_MAX_MATCHES).
	maxMatches int
	// Ended matches are kept this long for GetMatch and repeated allocations (CHAOS_GAMESERVER_RETAIN_MS).
	retain time.Duration
	// Reporting to matchmaking is retried on UNAVAILABLE for this long (CHAOS_GAMESERVER_REPORT_TIMEOUT_MS).
	reportTimeout time.Duration
	// Calls in flight get this long to finish on SIGTERM (the mesh's default shutdownGraceMs).
	shutdownGrace time.Duration
}

var dnsName = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)

// loadConfig reads the environment; a bad value is an error naming the variable.
func loadConfig(env func(string) string) (config, error) {
	c := config{
		mode:        or(env("CHAOS_MESH_MODE"), "native"),
		trustDomain: or(env("CHAOS_TRUST_DOMAIN"), "chaos.world"),
		namespace:   or(env("CHAOS_NAMESPACE"), "chaos"),
		pkiDir:      absolute(or(env("CHAOS_PKI_DIR"), ".chaos/pki")),
		policyFile:  absolute(or(env("CHAOS_POLICY"), "services/authorization.json")),
	}
	if c.mode != "native" && c.mode != "sidecar" {
		return c, fmt.Errorf(`CHAOS_MESH_MODE must be "native" or "sidecar", got %q`, c.mode)
	}
	for variable, value := range map[string]string{"CHAOS_TRUST_DOMAIN": c.trustDomain, "CHAOS_NAMESPACE": c.namespace} {
		if !dnsName.MatchString(value) {
			return c, fmt.Errorf("%s must be a lowercase DNS-style name, got %q", variable, value)
		}
	}
	var err error
	durations := []struct {
		variable      string
		target        *time.Duration
		fallback, min int
		max           int
	}{
		{"CHAOS_SVID_REFRESH_MS", &c.svidRefresh, 60_000, 100, 3_600_000},
		{"CHAOS_GAMESERVER_MATCH_MS", &c.matchDuration, 5_000, 50, 3_600_000},
		{"CHAOS_GAMESERVER_TICK_MS", &c.tick, 100, 1, 60_000},
		{"CHAOS_GAMESERVER_RETAIN_MS", &c.retain, 600_000, 0, 86_400_000},
		{"CHAOS_GAMESERVER_REPORT_TIMEOUT_MS", &c.reportTimeout, 60_000, 100, 3_600_000},
		{"CHAOS_GAMESERVER_SHUTDOWN_GRACE_MS", &c.shutdownGrace, 10_000, 0, 600_000},
	}
	for _, d := range durations {
		ms, err := integer(env, d.variable, d.fallback, d.min, d.max)
		if err != nil {
			return c, err
		}
		*d.target = time.Duration(ms) * time.Millisecond
	}
	if c.tick > c.matchDuration {
		return c, fmt.Errorf("CHAOS_GAMESERVER_TICK_MS (%d) must not exceed CHAOS_GAMESERVER_MATCH_MS (%d)", c.tick.Milliseconds(), c.matchDuration.Milliseconds())
	}
	if c.maxMatches, err = integer(env, "CHAOS_GAMESERVER_MAX_MATCHES", 64, 1, 100_000); err != nil {
		return c, err
	}
	registry, err := readRegistry(absolute(or(env("CHAOS_REGISTRY"), "services/registry.json")))
	if err != nil {
		return c, err
	}
	own := registry[workloadName]
	if c.internalAddr, err = listenAddr(env, "CHAOS_INTERNAL_PORT", own.Internal, c.mode); err != nil {
		return c, err
	}
	if c.adminAddr, err = listenAddr(env, "CHAOS_ADMIN_PORT", own.Admin, c.mode); err != nil {
		return c, err
	}
	c.matchmakingAddr = or(env("CHAOS_ADDR_MATCHMAKING"), registry["matchmaking"].Internal)
	if c.matchmakingAddr == "" {
		return c, fmt.Errorf("no address for matchmaking: neither CHAOS_ADDR_MATCHMAKING nor the registry names one")
	}
	return c, nil
}

type endpoint struct {
	Internal string `json:"internal"`
	Admin    string `json:"admin"`
}

// readRegistry reads the local registry (services/registry.json); a cluster has none (its addresses come from the ConfigMap).
func readRegistry(file string) (map[string]endpoint, error) {
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return map[string]endpoint{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the registry %s: %w", file, err)
	}
	var registry struct {
		Services map[string]endpoint `json:"services"`
	}
	if err := json.Unmarshal(data, &registry); err != nil {
		return nil, fmt.Errorf("the registry %s: %w", file, err)
	}
	return registry.Services, nil
}

// listenAddr is the registry's address with the port the variable overrides.
// Sidecar mode listens on loopback only: there, the caller's identity is a header only Envoy may set.
func listenAddr(env func(string) string, variable, registered, mode string) (string, error) {
	host, port := "127.0.0.1", ""
	if registered != "" {
		h, p, err := net.SplitHostPort(registered)
		if err != nil {
			return "", fmt.Errorf("the registry's %s address %q: %w", workloadName, registered, err)
		}
		host, port = h, p
	}
	if raw := env(variable); raw != "" {
		n, err := integer(env, variable, 0, 0, 65535)
		if err != nil {
			return "", err
		}
		port = strconv.Itoa(n)
	}
	if port == "" {
		return "", fmt.Errorf("no port: set %s or list %s in the registry", variable, workloadName)
	}
	if mode == "sidecar" && host != "127.0.0.1" && host != "localhost" && host != "::1" {
		return "", fmt.Errorf("sidecar mode trusts x-forwarded-client-cert, so the server must listen on loopback, not %s", host)
	}
	return net.JoinHostPort(host, port), nil
}

func integer(env func(string) string, variable string, fallback, min, max int) (int, error) {
	raw := strings.TrimSpace(env(variable))
	if raw == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%s must be an integer in [%d, %d], got %q", variable, min, max, raw)
	}
	return n, nil
}

func or(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

func absolute(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	return abs
}
