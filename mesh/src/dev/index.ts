/**
 * @chaos/mesh/dev — for tools, never imported by the runtime: the renderers
 * of the Kubernetes + Istio deployment (`npm run istio`) from the manifests.
 */
export { renderYamlDocuments, type YamlObject, type YamlValue } from "./yaml-documents.js";
export { renderIstioAuthorizationPolicies, type IstioAuthorizationOptions } from "./istio-authorization.js";
export {
  clusterPorts,
  portNames,
  replicas,
  containerResources,
  preStopSleepSeconds,
  connectionSecretOf,
  connectionVariablesOf,
  calleesOf,
  addressVariableOf,
  meshEnvironmentOf,
  shutdownSecondsOf,
  labelsOf,
  namespaceResource,
  workloadResources,
  type DeploymentOptions,
  type KubernetesResource,
} from "./kubernetes.js";
export {
  defaultIngressGateway,
  publicGatewayName,
  istioPrincipal,
  serviceHost,
  peerAuthenticationResource,
  destinationRuleResource,
  sidecarResource,
  publicGatewayResources,
  type IngressGateway,
} from "./istio-resources.js";
