// Command chaos-loadgen drives a bounded load of unary calls at one address
// on this machine and prints one JSON line of what it measured. It exists
// because ghz sends one set of metadata to every call, while the fireball
// benchmark needs each call to carry the access token of the player who owns
// its caster: each request here brings its own token.
//
// Input (a JSON file): the address, the method ("cast" for
// chaos.combat.v1.CombatService/CastSpell, "echo" for
// chaos.echo.v1.EchoService/Echo), the requests used round-robin, the
// concurrency, the connections, the duration and an optional rate.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	combatv1 "chaos.world/gen/go/chaos/combat/v1"
	echov1 "chaos.world/gen/go/chaos/echo/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type request struct {
	Caster  string `json:"caster"`
	Target  string `json:"target"`
	Spell   string `json:"spell"`
	Token   string `json:"token"`
	Payload []byte `json:"payload"`
}

type plan struct {
	Address     string    `json:"address"`
	Method      string    `json:"method"`
	Requests    []request `json:"requests"`
	Concurrency int       `json:"concurrency"`
	Connections int       `json:"connections"`
	Seconds     float64   `json:"seconds"`
	// Calls per second for the whole run; 0 means as fast as the calls return.
	Rate float64 `json:"rate"`
}

type report struct {
	Count    int64            `json:"count"`
	OK       int64            `json:"ok"`
	OKPerSec float64          `json:"ok_per_second"`
	P50Us    float64          `json:"p50_us"`
	P99Us    float64          `json:"p99_us"`
	Statuses map[string]int64 `json:"statuses"`
}

func main() {
	planFile := flag.String("plan", "", "JSON file describing the load")
	flag.Parse()
	raw, err := os.ReadFile(*planFile)
	if err != nil {
		fail(err)
	}
	var p plan
	if err := json.Unmarshal(raw, &p); err != nil {
		fail(fmt.Errorf("plan: %w", err))
	}
	if len(p.Requests) == 0 || p.Concurrency < 1 || p.Connections < 1 || p.Seconds <= 0 || p.Seconds > 120 {
		fail(fmt.Errorf("plan needs requests, concurrency >= 1, connections >= 1 and 0 < seconds <= 120"))
	}
	call, err := caller(p)
	if err != nil {
		fail(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(p.Seconds*float64(time.Second)))
	defer cancel()
	var pace <-chan time.Time
	if p.Rate > 0 {
		ticker := time.NewTicker(time.Duration(float64(time.Second) / p.Rate))
		defer ticker.Stop()
		pace = ticker.C
	}
	var next atomic.Int64
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, 1<<16)
	statuses := map[string]int64{}
	var wg sync.WaitGroup
	for w := 0; w < p.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if pace != nil {
					select {
					case <-pace:
					case <-ctx.Done():
						return
					}
				}
				if ctx.Err() != nil {
					return
				}
				i := next.Add(1) - 1
				started := time.Now()
				callCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
				err := call(callCtx, int(i))
				done()
				elapsed := time.Since(started)
				mu.Lock()
				statuses[status.Code(err).String()]++
				if err == nil {
					latencies = append(latencies, elapsed)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	var count int64
	for _, n := range statuses {
		count += n
	}
	out := report{Count: count, OK: int64(len(latencies)), OKPerSec: float64(len(latencies)) / p.Seconds, Statuses: statuses}
	if len(latencies) > 0 {
		out.P50Us = float64(latencies[len(latencies)*50/100].Microseconds())
		out.P99Us = float64(latencies[len(latencies)*99/100].Microseconds())
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}

// caller returns the function making call number i over one of the plan's connections.
func caller(p plan) (func(context.Context, int) error, error) {
	conns := make([]*grpc.ClientConn, p.Connections)
	for c := range conns {
		conn, err := grpc.NewClient(p.Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, err
		}
		conns[c] = conn
	}
	switch p.Method {
	case "cast":
		clients := make([]combatv1.CombatServiceClient, len(conns))
		for c, conn := range conns {
			clients[c] = combatv1.NewCombatServiceClient(conn)
		}
		return func(ctx context.Context, i int) error {
			r := p.Requests[i%len(p.Requests)]
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+r.Token)
			_, err := clients[i%len(clients)].CastSpell(ctx, &combatv1.CastSpellRequest{CasterCharacterId: r.Caster, SpellId: r.Spell, TargetId: r.Target})
			return err
		}, nil
	case "echo":
		clients := make([]echov1.EchoServiceClient, len(conns))
		for c, conn := range conns {
			clients[c] = echov1.NewEchoServiceClient(conn)
		}
		return func(ctx context.Context, i int) error {
			r := p.Requests[i%len(p.Requests)]
			_, err := clients[i%len(clients)].Echo(ctx, &echov1.EchoRequest{Payload: r.Payload})
			return err
		}, nil
	}
	return nil, fmt.Errorf("unknown method %q (cast or echo)", p.Method)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chaos-loadgen:", err)
	os.Exit(1)
}
