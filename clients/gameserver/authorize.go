package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// authorizer is zero trust on our internal face, as the Node runtime's
// (mesh/src/server/authorization.ts): a call without a workload identity is
// UNAUTHENTICATED; one the policy does not allow for this method is
// PERMISSION_DENIED, logged with caller and method.
type authorizer struct {
	policy *policy
	mode   string
	log    *slog.Logger
}

func (a *authorizer) unary(ctx context.Context, request any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := a.check(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, request)
}

func (a *authorizer) stream(server any, stream grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := a.check(stream.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(server, stream)
}

func (a *authorizer) check(ctx context.Context, method string) error {
	caller, err := a.callerOf(ctx)
	if err != nil {
		a.log.Warn("unauthenticated internal call refused", "method", method, "reason", err.Error())
		return status.Errorf(codes.Unauthenticated, "caller identity required: %v", err)
	}
	if allowed, reason := a.policy.decide(caller, method); !allowed {
		a.log.Warn("permission denied", "caller", caller.String(), "method", method, "reason", reason)
		return status.Errorf(codes.PermissionDenied, "%s may not call %s", caller.serviceAccount, method)
	}
	return nil
}

// callerOf is the caller's SPIFFE ID: from its certificate (verified in the
// handshake) in native mode; in sidecar mode from the last element of the
// x-forwarded-client-cert header Envoy sets (we listen on loopback only).
func (a *authorizer) callerOf(ctx context.Context) (spiffeID, error) {
	if a.mode == "sidecar" {
		values := metadata.ValueFromIncomingContext(ctx, "x-forwarded-client-cert")
		if len(values) == 0 {
			return spiffeID{}, errors.New("no x-forwarded-client-cert")
		}
		return callerFromXfcc(values[len(values)-1])
	}
	p, ok := peer.FromContext(ctx)
	if !ok {
		return spiffeID{}, errors.New("no peer")
	}
	tlsInfo, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(tlsInfo.State.PeerCertificates) == 0 {
		return spiffeID{}, errors.New("no client certificate")
	}
	leaf := tlsInfo.State.PeerCertificates[0]
	if len(leaf.URIs) != 1 {
		return spiffeID{}, errors.New("the client certificate has no single URI SAN")
	}
	return parseSpiffeID(leaf.URIs[0].String())
}

// callerFromXfcc reads the URI of the header's last element (the one the
// immediate proxy wrote about the peer it authenticated). Elements are
// comma-separated, pairs semicolon-separated; only Subject is quoted, and the
// URI we need is never, so quoted values are skipped whole.
func callerFromXfcc(header string) (spiffeID, error) {
	elements := splitOutsideQuotes(header, ',')
	pairs := splitOutsideQuotes(elements[len(elements)-1], ';')
	var uris []string
	for _, pair := range pairs {
		key, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && key == "URI" {
			uris = append(uris, strings.Trim(value, `"`))
		}
	}
	if len(uris) != 1 {
		return spiffeID{}, errors.New("x-forwarded-client-cert names no single URI")
	}
	return parseSpiffeID(uris[0])
}

func splitOutsideQuotes(s string, separator rune) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i, c := range s {
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == separator && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
