// Workload authorization: the one policy source and its enforcement (its Istio rendering is in ../dev).
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
