package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// spiffeID is a workload identity of the mesh's scheme:
// spiffe://<trust domain>/ns/<namespace>/sa/<service account>.
type spiffeID struct {
	trustDomain, namespace, serviceAccount string
}

func (id spiffeID) String() string {
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", id.trustDomain, id.namespace, id.serviceAccount)
}

// parseSpiffeID accepts exactly the mesh's form (mesh/src/identity/spiffe-id.ts).
func parseSpiffeID(uri string) (spiffeID, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "spiffe" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Port() != "" {
		return spiffeID{}, fmt.Errorf("%q is not a SPIFFE ID", uri)
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "ns" || parts[2] != "sa" || !dnsName.MatchString(parts[1]) || !dnsName.MatchString(parts[3]) {
		return spiffeID{}, fmt.Errorf("%q is not of the form spiffe://<trust domain>/ns/<namespace>/sa/<name>", uri)
	}
	return spiffeID{trustDomain: u.Host, namespace: parts[1], serviceAccount: parts[3]}, nil
}

// svidSource holds our X.509-SVID and the trust bundle, read again from
// <pki>/<name>/{svid.pem, svid-key.pem, bundle.pem} every `refresh`, so a
// rotated SVID is used from the next handshake on, as the Node runtime does.
type svidSource struct {
	dir     string
	refresh time.Duration
	mu      sync.Mutex
	read    time.Time
	cert    *tls.Certificate
	roots   *x509.CertPool
}

func newSvidSource(pkiDir, name string, refresh time.Duration) (*svidSource, error) {
	s := &svidSource{dir: filepath.Join(pkiDir, name), refresh: refresh}
	if _, _, err := s.current(); err != nil {
		return nil, err
	}
	return s, nil
}

// current is the SVID and bundle, re-read when older than refresh (the last good pair stays on a failed read).
func (s *svidSource) current() (*tls.Certificate, *x509.CertPool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cert != nil && time.Since(s.read) < s.refresh {
		return s.cert, s.roots, nil
	}
	cert, roots, err := s.load()
	if err != nil {
		if s.cert != nil {
			return s.cert, s.roots, nil
		}
		return nil, nil, err
	}
	s.cert, s.roots, s.read = cert, roots, time.Now()
	return cert, roots, nil
}

func (s *svidSource) load() (*tls.Certificate, *x509.CertPool, error) {
	pair, err := tls.LoadX509KeyPair(filepath.Join(s.dir, "svid.pem"), filepath.Join(s.dir, "svid-key.pem"))
	if err != nil {
		return nil, nil, fmt.Errorf("reading our SVID in %s: %w", s.dir, err)
	}
	bundle, err := os.ReadFile(filepath.Join(s.dir, "bundle.pem"))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the trust bundle: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(bundle) {
		return nil, nil, errors.New("the trust bundle holds no certificate")
	}
	return &pair, roots, nil
}

// verifyPeer checks a peer's certificate the SPIFFE way: it chains to the
// bundle and carries exactly one URI SAN, a SPIFFE ID of our trust domain;
// host names play no part. It returns that ID.
func (s *svidSource) verifyPeer(rawCerts [][]byte, trustDomain string, usage x509.ExtKeyUsage) (spiffeID, error) {
	if len(rawCerts) == 0 {
		return spiffeID{}, errors.New("no certificate presented")
	}
	_, roots, err := s.current()
	if err != nil {
		return spiffeID{}, err
	}
	certs := make([]*x509.Certificate, 0, len(rawCerts))
	for _, raw := range rawCerts {
		cert, err := x509.ParseCertificate(raw)
		if err != nil {
			return spiffeID{}, fmt.Errorf("malformed certificate: %w", err)
		}
		certs = append(certs, cert)
	}
	leaf := certs[0]
	intermediates := x509.NewCertPool()
	for _, cert := range certs[1:] {
		intermediates.AddCert(cert)
	}
	if leaf.IsCA {
		return spiffeID{}, errors.New("the peer's certificate is a CA, not an SVID")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return spiffeID{}, fmt.Errorf("the peer's certificate does not chain to the trust bundle: %w", err)
	}
	if len(leaf.URIs) != 1 {
		return spiffeID{}, fmt.Errorf("an SVID has exactly one URI SAN, this one has %d", len(leaf.URIs))
	}
	id, err := parseSpiffeID(leaf.URIs[0].String())
	if err != nil {
		return spiffeID{}, err
	}
	if id.trustDomain != trustDomain {
		return spiffeID{}, fmt.Errorf("SPIFFE ID %s is not in trust domain %s", id, trustDomain)
	}
	return id, nil
}

// serverTLS requires a client SVID of the trust domain on every connection;
// which methods the caller may call is the policy's business (authorize).
func (s *svidSource) serverTLS(trustDomain string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			cert, _, err := s.current()
			return cert, err
		},
		// Verified by hand below (the bundle may have rotated since the config was made).
		ClientAuth: tls.RequireAnyClientCert,
		VerifyPeerCertificate: func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			_, err := s.verifyPeer(rawCerts, trustDomain, x509.ExtKeyUsageClientAuth)
			return err
		},
	}
}

// clientTLS presents our SVID and accepts the server only if it is exactly `expected`.
func (s *svidSource) clientTLS(expected spiffeID) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2"},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, _, err := s.current()
			return cert, err
		},
		// The chain and the SPIFFE ID are checked in VerifyPeerCertificate; a host name means nothing here.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			id, err := s.verifyPeer(rawCerts, expected.trustDomain, x509.ExtKeyUsageServerAuth)
			if err != nil {
				return err
			}
			if id != expected {
				return fmt.Errorf("the server presented %s, expected %s", id, expected)
			}
			return nil
		},
	}
}
