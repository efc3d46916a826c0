// Workload authorization: the one policy source, its enforcement, and its Istio rendering.
export {
  parsePolicy,
  loadPolicyFile,
  createAuthorizer,
  infrastructureMethods,
  type AuthorizationPolicy,
  type ServicePolicy,
  type AllowRule,
  type Authorizer,
  type Decision,
} from "./policy.js";
export { renderIstioAuthorizationPolicies } from "./istio.js";
