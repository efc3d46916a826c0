// Command chaos-interop calls a Chaos World service's internal face from Go,
// with its own X.509-SVID, the way a service written in Go would: grpc-go or
// connect-go over mTLS, checking that the server presents the expected
// SPIFFE ID. It prints one JSON line with what came back.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"connectrpc.com/connect"
	echov1 "chaos.world/gen/go/chaos/echo/v1"
	"chaos.world/gen/go/chaos/echo/v1/echov1connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

type result struct {
	Payload  string `json:"payload"`
	ServedBy string `json:"served_by"`
	Caller   string `json:"caller"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7100", "host:port of the internal face")
	cert := flag.String("cert", "", "our SVID (PEM)")
	key := flag.String("key", "", "our SVID's key (PEM)")
	ca := flag.String("ca", "", "trust bundle (PEM)")
	expect := flag.String("expect-spiffe", "spiffe://chaos.world/ns/chaos/sa/echo", "SPIFFE ID the server must present")
	mode := flag.String("mode", "grpc", "grpc (grpc-go) or connect (connect-go, gRPC protocol)")
	payload := flag.String("payload", "hello from Go", "payload to echo")
	flag.Parse()

	config, err := tlsConfig(*cert, *key, *ca, *expect)
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var out result
	switch *mode {
	case "grpc":
		out, err = callGrpc(ctx, *addr, config, *payload)
	case "connect":
		out, err = callConnect(ctx, *addr, config, *payload)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fail(err)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

// tlsConfig presents our SVID and accepts the server only if its certificate
// chains to the bundle and carries exactly one URI SAN equal to the expected
// SPIFFE ID (SPIFFE identity, not hostnames).
func tlsConfig(certFile, keyFile, caFile, expected string) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading our SVID: %w", err)
	}
	bundle, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading the trust bundle: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(bundle) {
		return nil, errors.New("the trust bundle holds no certificate")
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      roots,
		ServerName:   "localhost",
		NextProtos:   []string{"h2"},
		MinVersion:   tls.VersionTLS12,
		VerifyConnection: func(state tls.ConnectionState) error {
			leaf := state.PeerCertificates[0]
			if len(leaf.URIs) != 1 || leaf.URIs[0].String() != expected {
				return fmt.Errorf("server presented %v, expected exactly %s", leaf.URIs, expected)
			}
			return nil
		},
	}, nil
}

func callGrpc(ctx context.Context, addr string, config *tls.Config, payload string) (result, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(config)))
	if err != nil {
		return result{}, err
	}
	defer conn.Close()
	client := echov1.NewEchoServiceClient(conn)
	echoed, err := client.Echo(ctx, &echov1.EchoRequest{Payload: []byte(payload)})
	if err != nil {
		return result{}, err
	}
	who, err := client.WhoAmI(ctx, &echov1.WhoAmIRequest{})
	if err != nil {
		return result{}, err
	}
	return result{Payload: string(echoed.GetPayload()), ServedBy: echoed.GetServedBy(), Caller: who.GetCaller()}, nil
}

func callConnect(ctx context.Context, addr string, config *tls.Config, payload string) (result, error) {
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: config, ForceAttemptHTTP2: true}}
	client := echov1connect.NewEchoServiceClient(httpClient, "https://"+addr, connect.WithGRPC())
	echoed, err := client.Echo(ctx, connect.NewRequest(&echov1.EchoRequest{Payload: []byte(payload)}))
	if err != nil {
		return result{}, err
	}
	who, err := client.WhoAmI(ctx, connect.NewRequest(&echov1.WhoAmIRequest{}))
	if err != nil {
		return result{}, err
	}
	return result{Payload: string(echoed.Msg.GetPayload()), ServedBy: echoed.Msg.GetServedBy(), Caller: who.Msg.GetCaller()}, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chaos-interop:", err)
	os.Exit(1)
}
