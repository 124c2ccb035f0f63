export { ownedBy } from "./managed-fields.js";
export { RESOURCE_TYPES } from "./resources.js";
export { DEFAULT_FORBIDDEN_TOKEN, DEFAULT_TOKEN, startFakeKubernetes } from "./server.js";
export type { KObject } from "./store.js";
export type {
  Failures,
  FakeKubernetes,
  FakeKubernetesOptions,
  FakeKubernetesState,
  FakeKubernetesTimings,
  RecordedRequest,
  RequestMatch,
  Violation,
} from "./types.js";
