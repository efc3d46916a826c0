export { parsePolicy, loadPolicyFile, createAuthorizer, methodMatches, infrastructureMethods, type AuthorizationPolicy, type ServicePolicy, type AllowRule, type Authorizer, type Decision } from "./policy.js";
export { renderIstioAuthorizationPolicies } from "./istio.js";
