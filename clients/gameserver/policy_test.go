package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testPolicy = `{
  "trustDomain": "chaos.world",
  "namespace": "chaos",
  "services": {
    "gameserver": { "allow": [
      { "callers": ["matchmaking"], "methods": ["/chaos.gameserver.v1.GameServerService/AllocateMatch"] },
      { "callers": ["operator"], "methods": ["/chaos.gameserver.v1.GameServerService/*"] }
    ] },
    "echo": { "allow": [ { "callers": ["gameserver"], "methods": ["/chaos.echo.v1.EchoService/*"] } ] }
  }
}`

func writePolicy(t *testing.T, content string) string {
	file := filepath.Join(t.TempDir(), "authorization.json")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func caller(name string) spiffeID {
	return spiffeID{trustDomain: "chaos.world", namespace: "chaos", serviceAccount: name}
}

func TestThePolicyAllowsExactlyItsRulesForUs(t *testing.T) {
	p, err := loadPolicy(writePolicy(t, testPolicy), "gameserver", "chaos.world", "chaos")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		caller, method string
		allowed        bool
	}{
		{"matchmaking", "/chaos.gameserver.v1.GameServerService/AllocateMatch", true},
		{"matchmaking", "/chaos.gameserver.v1.GameServerService/DisconnectPlayer", false},
		{"operator", "/chaos.gameserver.v1.GameServerService/DisconnectPlayer", true},
		// A "/pkg.Service/*" rule admits one method segment, not a longer path.
		{"operator", "/chaos.gameserver.v1.GameServerService/Get/Match", false},
		{"operator", "/chaos.gameserver.v1.GameServerServiceX/GetMatch", false},
		// Another target's rules are not ours.
		{"gameserver", "/chaos.echo.v1.EchoService/Echo", false},
		{"combat", "/chaos.gameserver.v1.GameServerService/GetMatch", false},
		// Probes: anyone of the mesh.
		{"combat", "/grpc.health.v1.Health/Check", true},
	}
	for _, c := range cases {
		if allowed, reason := p.decide(caller(c.caller), c.method); allowed != c.allowed {
			t.Errorf("%s → %s: allowed %v (%s), want %v", c.caller, c.method, allowed, reason, c.allowed)
		}
	}
	if allowed, _ := p.decide(spiffeID{trustDomain: "evil.example", namespace: "chaos", serviceAccount: "operator"}, "/chaos.gameserver.v1.GameServerService/GetMatch"); allowed {
		t.Error("an operator of another trust domain was allowed")
	}
	if allowed, _ := p.decide(spiffeID{trustDomain: "chaos.world", namespace: "other", serviceAccount: "operator"}, "/chaos.gameserver.v1.GameServerService/GetMatch"); allowed {
		t.Error("an operator of another namespace was allowed")
	}
}

func TestAPolicyThatIsNotOursIsRefusedAtStartUp(t *testing.T) {
	for name, c := range map[string]struct{ content, want string }{
		"another mesh":       {testPolicy, "not of other.world/chaos"},
		"not listing us":     {`{"trustDomain":"other.world","namespace":"chaos","services":{}}`, "does not list gameserver"},
		"a misspelt key":     {`{"trustDomain":"other.world","namespace":"chaos","services":{"gameserver":{"allows":[]}}}`, "unknown field"},
		"a malformed method": {`{"trustDomain":"other.world","namespace":"chaos","services":{"gameserver":{"allow":[{"callers":["a"],"methods":["GetMatch"]}]}}}`, "not of the form"},
	} {
		_, err := loadPolicy(writePolicy(t, c.content), "gameserver", "other.world", "chaos")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, c.want)
		}
	}
}

func TestTheCallerInSidecarModeIsTheLastXfccElementsURI(t *testing.T) {
	header := `By=spiffe://chaos.world/ns/chaos/sa/x;URI=spiffe://chaos.world/ns/chaos/sa/forged,By=spiffe://chaos.world/ns/chaos/sa/gameserver;Hash=ab;Subject="CN=a,O=b;c";URI=spiffe://chaos.world/ns/chaos/sa/matchmaking`
	id, err := callerFromXfcc(header)
	if err != nil || id != caller("matchmaking") {
		t.Fatalf("got %v, %v", id, err)
	}
	for _, bad := range []string{"By=x;Hash=y", "URI=spiffe://chaos.world/ns/chaos/sa/a;URI=spiffe://chaos.world/ns/chaos/sa/b", "URI=https://example.com/"} {
		if _, err := callerFromXfcc(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
