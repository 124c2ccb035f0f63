import type { KObject } from "./store.js";

/** The fake's options, knobs and records (see docs/fake-kubernetes.md). */
export interface FakeKubernetesTimings {
  /** A pod's containers start (image pulled, running) after this. */
  podStartMs?: number;
  /** A deleted pod stays `Terminating` this long (0: gone at once). */
  podTerminationMs?: number;
  /** A crash-looping container restarts every this often (up to 5 times). */
  crashLoopMs?: number;
  /** A Job's container runs this long unless its command says `sleep N`. */
  jobRunMs?: number;
  /** A failed Job pod is replaced after this (doubling each time), while `backoffLimit` allows. */
  jobBackoffMs?: number;
  /** A deleted namespace stays `Terminating` this long before its contents go. */
  namespaceTerminationMs?: number;
  /** The garbage collector runs this long after an owner is deleted. */
  gcMs?: number;
  /** A PVC becomes `Bound`, an Ingress gets its address, after this. */
  bindMs?: number;
  /**
   * How long one second of the objects' own durations lasts (`progressDeadlineSeconds`,
   * `ttlSecondsAfterFinished`, `activeDeadlineSeconds`, `sleep N` in a Job's command).
   */
  secondMs?: number;
}

export interface Failures {
  /** Pods whose image matches crash-loop (`CrashLoopBackOff`); rollouts hit `ProgressDeadlineExceeded`. */
  crashLoopImages?: RegExp | null;
  /** Pods whose image matches cannot pull it (`ErrImagePull`, then `ImagePullBackOff`). */
  imagePullImages?: RegExp | null;
}

export interface FakeKubernetesOptions {
  /** The plain-HTTP port (0: a free one). */
  port?: number;
  /** The HTTPS port (0: a free one), when TLS is on. */
  tlsPort?: number;
  /** Also serve HTTPS with a self-signed certificate (default: when `openssl` is available). */
  tls?: boolean;
  /** The bearer token accepted. */
  token?: string;
  /** Tokens that authenticate but may do nothing (every request answers 403). */
  forbiddenTokens?: string[];
  /** The user name in 403 messages. */
  user?: string;
  timings?: FakeKubernetesTimings;
  failures?: Failures;
  /** Validate against the OpenAPI documents when present (default true). */
  validate?: boolean;
  /** What a request without `fieldValidation` gets: the server's default is `Warn`. */
  defaultFieldValidation?: "Strict" | "Warn" | "Ignore";
  /** Serve `?watch=true` (default true); `false` answers 405 as if watch were not implemented. */
  watch?: boolean;
  /** The Kubernetes version `/version` reports. */
  gitVersion?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  status: number;
  time: number;
  userAgent: string | undefined;
}

export interface Violation {
  kind: string;
  name: string;
  errors: string[];
}

export interface RequestMatch {
  method?: string;
  /** A substring or pattern of the path. */
  path?: string | RegExp;
}

export interface FakeKubernetesState {
  /** A copy of one object, by kind, plural or short name (`deployment`, `deploy`). */
  get(type: string, namespace: string | undefined, name: string): KObject | undefined;
  /** Copies of the objects of a type, optionally in one namespace. */
  list(type: string, namespace?: string): KObject[];
  /** Names of the namespaces that exist (including `Terminating` ones). */
  namespaces(): string[];
  /** Every object in a namespace, as `kind/name`. */
  contents(namespace: string): string[];
  /** A pod's log as `/log` would answer it. */
  logs(namespace: string, pod: string): string | undefined;
  /** The cluster's current resourceVersion. */
  resourceVersion(): number;
}

export interface FakeKubernetes {
  /** Plain HTTP, for fetch and @kubernetes/client-node. */
  url: string;
  /** HTTPS with a self-signed certificate (what the kubeconfig points at), when TLS is on. */
  httpsUrl: string | undefined;
  /** The PEM certificate of `httpsUrl` (its own CA). */
  caCertificate: string | undefined;
  token: string;
  /**
   * A kubeconfig file (context `fake`, namespace `default`) with the token, pointing at
   * `httpsUrl` (kubectl sends credentials only over TLS), or at `url` without TLS.
   */
  kubeconfigPath: string;
  /** Whether objects are validated against the OpenAPI documents (option on and documents present). */
  validating: boolean;
  requests: RecordedRequest[];
  /** Objects sent that did not conform to their schema or to the server's rules. */
  violations: Violation[];
  state: FakeKubernetesState;
  setFailures(failures: Failures): void;
  /** Pods matching get this log text (the newest rule that matches wins). */
  setLogs(match: RegExp | ((pod: KObject) => boolean), text: string): void;
  /** The next `count` requests matching answer 429 with `Retry-After: retryAfterSeconds`. */
  throttle(count: number, retryAfterSeconds?: number, match?: RequestMatch): void;
  /** The next `count` requests matching answer `status` (a Status body), or are dropped. */
  failNext(count: number, status: number | "drop", match?: RequestMatch): void;
  /** Every request answers 401 or 403 until restored with "ok". */
  setAccess(mode: "ok" | "unauthorized" | "forbidden"): void;
  close(): Promise<void>;
}
