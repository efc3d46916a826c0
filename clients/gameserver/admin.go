package main

import (
	"net"
	"net/http"
	"sync/atomic"
)

// adminHandler is the admin face Kubernetes probes, as the Node services'
// (mesh/src/server/admin-http.ts): /healthz while the process answers,
// /readyz until shutdown begins (then 503, so endpoints stop sending calls),
// /metrics for the scrape the pod's annotations ask for.
func adminHandler(ready *atomic.Bool, m *metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		m.write(w)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return mux
}

func portOf(listener net.Listener) int {
	return listener.Addr().(*net.TCPAddr).Port
}
