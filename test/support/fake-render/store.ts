import { newId } from "./ids.js";
import { Timeline } from "./timeline.js";
import type {
  CustomDomain,
  Deploy,
  DeployFailure,
  EnvVar,
  Job,
  KeyValue,
  Owner,
  Postgres,
  SecretFile,
  Service,
} from "./types.js";

/** The fake's in-memory account: one workspace and what was created in it. */

export interface Timings {
  postgresCreateMs: number;
  keyValueCreateMs: number;
  buildMs: number;
  deployMs: number;
  jobStartMs: number;
  jobRunMs: number;
}

export interface Ordered {
  /** Creation order; list endpoints sort on it and cursors point into it. */
  seq: number;
}

export interface EnvVarRecord extends EnvVar, Ordered {}

export interface ServiceRecord extends Ordered {
  service: Service;
  envVars: EnvVarRecord[];
  secretFiles: SecretFile[];
  deploys: DeployRecord[];
  /** One-off jobs run on the service. */
  jobs: JobRecord[];
  customDomains: (CustomDomain & Ordered)[];
  /** A static site's response headers and redirect/rewrite rules. */
  headers: { id: string; path: string; name: string; value: string }[];
  routes: { id: string; type: string; source: string; destination: string; priority: number }[];
}

export interface DeployRecord extends Ordered {
  deploy: Deploy;
}

export interface JobRecord extends Ordered {
  job: Job;
}

export interface PostgresRecord extends Ordered {
  postgres: Postgres;
  password: string;
}

export interface KeyValueRecord extends Ordered {
  keyValue: KeyValue;
  password: string;
}

export interface EnvGroupRecord extends Ordered {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  environmentId?: string;
  envVars: EnvVarRecord[];
  secretFiles: SecretFile[];
  serviceIds: string[];
}

export class Store {
  readonly owner: Owner;
  readonly timings: Timings;
  readonly timeline = new Timeline();
  readonly services = new Map<string, ServiceRecord>();
  readonly postgres = new Map<string, PostgresRecord>();
  readonly keyValues = new Map<string, KeyValueRecord>();
  readonly envGroups = new Map<string, EnvGroupRecord>();
  /** Deploy outcomes forced by `failDeploys`, newest rule first. */
  deployFailures: { match: (serviceName: string) => boolean; status: DeployFailure }[] = [];
  /** Every id ever issued and its creation order, so a cursor stays valid after a delete. */
  readonly #seqById = new Map<string, number>();
  #seq = 0;

  constructor(owner: Owner, timings: Timings) {
    this.owner = owner;
    this.timings = timings;
    this.#seqById.set(owner.id, this.nextSeq());
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  /** A fresh id of this prefix, registered for cursors. */
  issue(prefix: string, suffix = ""): { id: string; seq: number } {
    const id = newId(prefix) + suffix;
    const seq = this.nextSeq();
    this.#seqById.set(id, seq);
    return { id, seq };
  }

  seqOf(id: string): number | undefined {
    return this.#seqById.get(id);
  }

  /** The service with this id, for handlers (404 otherwise is theirs to raise). */
  service(id: string): ServiceRecord | undefined {
    return this.services.get(id);
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
