package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// infrastructureMethods every authenticated workload of the trust domain and
// namespace may call (probes, reflection), as the Node runtime and the Istio
// policies allow them (mesh/src/authz/policy.ts).
var infrastructureMethods = []string{"/grpc.health.v1.Health/*", "/grpc.reflection.v1.ServerReflection/*", "/grpc.reflection.v1alpha.ServerReflection/*"}

var methodPattern = regexp.MustCompile(`^/(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*/(?:[A-Za-z_]\w*|\*)$`)

// policy is our share of the system's authorization policy
// (services/authorization.json, generated from the manifests): who may call
// which of our methods. It is read, never written down a second time here.
type policy struct {
	trustDomain, namespace string
	// caller (service account) → method paths and "/pkg.Service/*" patterns.
	allowed map[string][]string
}

type policyFile struct {
	TrustDomain string `json:"trustDomain"`
	Namespace   string `json:"namespace"`
	Services    map[string]struct {
		Allow []struct {
			Callers []string `json:"callers"`
			Methods []string `json:"methods"`
		} `json:"allow"`
	} `json:"services"`
}

// loadPolicy reads the policy file and keeps the rules of `target`. A file
// that does not list it, or names another trust domain or namespace than
// ours, is an error: serving with nobody allowed, or the wrong mesh's rules,
// would be a misconfiguration nobody notices until calls fail.
func loadPolicy(file, target, trustDomain, namespace string) (*policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read authorization policy %s: %w", file, err)
	}
	var parsed policyFile
	decoder := json.NewDecoder(strings.NewReader(string(data)))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&parsed); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if parsed.TrustDomain != trustDomain || parsed.Namespace != namespace {
		return nil, fmt.Errorf("%s is the policy of %s/%s, not of %s/%s", file, parsed.TrustDomain, parsed.Namespace, trustDomain, namespace)
	}
	own, ok := parsed.Services[target]
	if !ok {
		return nil, fmt.Errorf("%s does not list %s (run `npm run generate`)", file, target)
	}
	p := &policy{trustDomain: trustDomain, namespace: namespace, allowed: map[string][]string{}}
	for i, rule := range own.Allow {
		for _, method := range rule.Methods {
			if !methodPattern.MatchString(method) {
				return nil, fmt.Errorf("%s: services.%s.allow[%d]: %q is not of the form /package.Service/Method", file, target, i, method)
			}
		}
		for _, caller := range rule.Callers {
			p.allowed[caller] = append(p.allowed[caller], rule.Methods...)
		}
	}
	return p, nil
}

// decide says whether `caller` may call `method` ("/pkg.Service/Method"), and if not, why.
func (p *policy) decide(caller spiffeID, method string) (bool, string) {
	if caller.trustDomain != p.trustDomain {
		return false, fmt.Sprintf("caller is in trust domain %s, not %s", caller.trustDomain, p.trustDomain)
	}
	if caller.namespace != p.namespace {
		return false, fmt.Sprintf("caller is in namespace %s, not %s", caller.namespace, p.namespace)
	}
	if matchesAny(infrastructureMethods, method) || matchesAny(p.allowed[caller.serviceAccount], method) {
		return true, ""
	}
	return false, fmt.Sprintf("no rule allows %s to call %s on %s", caller.serviceAccount, method, workloadName)
}

// matchesAny: an exact path, or "/pkg.Service/*" for one method segment of that service.
func matchesAny(patterns []string, method string) bool {
	service, _, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !ok || strings.Contains(strings.TrimPrefix(method, "/"+service+"/"), "/") {
		return false
	}
	for _, pattern := range patterns {
		if pattern == method || pattern == "/"+service+"/*" {
			return true
		}
	}
	return false
}
