export { IMPLEMENTED_ROUTES } from "./routes.js";
export { DEFAULT_API_KEY, DEFAULT_OWNER_ID, startFakeRender } from "./server.js";
export type {
  CustomDomain,
  Deploy,
  DeployFailure,
  DeployStatus,
  EnvGroup,
  EnvVar,
  FakeRender,
  FakeRenderOptions,
  FakeRenderState,
  FakeRenderTimings,
  FakeRenderWorkspace,
  Job,
  JobStatus,
  KeyValue,
  Owner,
  Postgres,
  RecordedRequest,
  Service,
  ServiceType,
  Violation,
} from "./types.js";
