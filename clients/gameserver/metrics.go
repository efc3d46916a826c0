package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// metrics is the admin face's /metrics in Prometheus's text format, under
// the Node services' names where they mean the same (chaos_server_calls_total)
// so one dashboard reads both. Hand-written: a few counters do not earn a
// client library.
type metrics struct {
	mu       sync.Mutex
	counters map[string]map[string]float64 // name → rendered labels → value
	help     map[string]string
	playing  func() int
}

func newMetrics(playing func() int) *metrics {
	return &metrics{
		counters: map[string]map[string]float64{},
		help: map[string]string{
			"chaos_server_calls_total":               "Calls served, by face, method and gRPC code.",
			"chaos_gameserver_matches_started_total": "Matches allocated and started on this server.",
			"chaos_gameserver_reports_total":         "Reports to matchmaking, by method and outcome (reported, gave_up).",
		},
		playing: playing,
	}
}

func (m *metrics) add(name string, labels ...string) {
	var rendered []string
	for i := 0; i+1 < len(labels); i += 2 {
		rendered = append(rendered, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	series := m.counters[name]
	if series == nil {
		series = map[string]float64{}
		m.counters[name] = series
	}
	series[strings.Join(rendered, ",")]++
}

// unary counts every call by method and the code it ended with (refusals included).
func (m *metrics) unary(ctx context.Context, request any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	response, err := handler(ctx, request)
	m.add("chaos_server_calls_total", "face", "internal", "method", info.FullMethod, "code", status.Code(err).String())
	return response, err
}

func (m *metrics) write(w io.Writer) {
	// Read before taking our lock: the book calls add while holding its own.
	playing := m.playing()
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.help))
	for name := range m.help {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, m.help[name], name)
		series := m.counters[name]
		keys := make([]string, 0, len(series))
		for key := range series {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if key == "" {
				fmt.Fprintf(w, "%s %g\n", name, series[key])
			} else {
				fmt.Fprintf(w, "%s{%s} %g\n", name, key, series[key])
			}
		}
	}
	fmt.Fprintf(w, "# HELP chaos_gameserver_matches_playing Matches in play now.\n# TYPE chaos_gameserver_matches_playing gauge\nchaos_gameserver_matches_playing %d\n", playing)
}
