/**
 * The typed form of a validated blueprint: Render's render.yaml format plus Tenantry's
 * extensions (`parameters`, `hooks`). Produced by `validateBlueprint()`; every string may
 * still contain `${{ … }}` templates, resolved per tenant by `renderBlueprint()`.
 * Field names follow render.yaml so a reader can map one to the other.
 */

import type { ServiceSettings as DomainServiceSettings } from "../domain/resources.js";

export type ServiceType = "web" | "pserv" | "worker" | "cron" | "keyvalue";

export interface EnvVarValue {
  key: string;
  value: string;
  /** The value used in Render preview environments. */
  previewValue?: string;
}
export interface EnvVarGenerated {
  key: string;
  generateValue: true;
}
export interface EnvVarSyncFalse {
  key: string;
  sync: false;
}
export interface EnvVarFromDatabase {
  key: string;
  fromDatabase: {
    name: string;
    property: "host" | "port" | "database" | "user" | "password" | "connectionString";
  };
}
export interface EnvVarFromService {
  key: string;
  fromService: {
    /** Render's reference type (`web`, `pserv`, `worker`, `cron`, `keyvalue`, `redis`, …). */
    type: string;
    name: string;
    property?: "host" | "port" | "hostport" | "connectionString";
    envVarKey?: string;
  };
}
export interface EnvVarFromGroup {
  fromGroup: string;
}
export type EnvVarSpec =
  | EnvVarValue
  | EnvVarGenerated
  | EnvVarSyncFalse
  | EnvVarFromDatabase
  | EnvVarFromService
  | EnvVarFromGroup;

/** Keys of render.yaml a service may carry: the typed settings, and any other key kept as written. */
export interface ServiceSettings extends DomainServiceSettings {
  [key: string]: unknown;
}

export interface BlueprintService extends ServiceSettings {
  type: ServiceType;
  name: string;
  envVars: EnvVarSpec[];
  /** Set when the service came from `projects[].environments[]`: `project/environment`. */
  environment?: string;
}

export interface BlueprintDatabase {
  name: string;
  /** Tenantry extension: `postgres` when absent; `mysql` and `mariadb` render to kind `mysql`. */
  engine?: "postgres" | "mysql" | "mariadb";
  databaseName?: string;
  user?: string;
  plan?: string;
  region?: string;
  postgresMajorVersion?: string;
  diskSizeGB?: number;
  highAvailability?: { enabled: boolean };
  ipAllowList?: { source: string; description?: string }[];
  readReplicas?: { name: string }[];
  environment?: string;
  [key: string]: unknown;
}

export interface BlueprintEnvVarGroup {
  name: string;
  envVars: (EnvVarValue | EnvVarGenerated | EnvVarSyncFalse)[];
  environment?: string;
}

/**
 * A parameter's value: JSON. Declared fields are never `null` (a `null` is read as "not
 * given", so the default applies); fields kept through `additionalProperties` are as given.
 */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

export type ScalarParameterType = "string" | "integer" | "number" | "boolean" | "enum";
export type ParameterType = ScalarParameterType | "object" | "array";

/**
 * A declaration of a parameter's value (Tenantry extension): a top-level parameter, an
 * object's property or an array's items. Only the keys of its `type` are set.
 */
export interface ParameterDeclaration {
  type: ParameterType;
  description?: string;
  /** Used when the value is missing; satisfies the declaration (checked at validation). */
  default?: ParamValue;
  /**
   * Whether the value must be given (when there is no default). Always false for an
   * array's `items`, where it does not apply.
   * @default false
   */
  required: boolean;
  /** `string` only: a regular expression (with the `u` flag) the value must match. */
  pattern?: string;
  /** `enum` only. */
  values?: (string | number)[];
  /** `integer` and `number` only. */
  minimum?: number;
  maximum?: number;
  /** `object` only: each field's declaration, in the order written. */
  properties?: Record<string, ParameterDeclaration>;
  /**
   * `object` only: whether fields `properties` does not declare are accepted (kept as
   * given, unchecked) rather than refused.
   * @default false
   */
  additionalProperties?: boolean;
  /** `array` only: the declaration every item satisfies. */
  items?: ParameterDeclaration;
  /** `array` only: bounds on the number of items. */
  minItems?: number;
  maxItems?: number;
}

/** A typed tenant parameter (Tenantry extension): a named top-level declaration. */
export interface BlueprintParameter extends ParameterDeclaration {
  name: string;
}

/** A Terraform/OpenTofu module applied per tenant by the `terraform` target (Tenantry extension, `stacks:`). */
export interface BlueprintStack {
  name: string;
  /** `./folder` (under TENANTRY_TERRAFORM_MODULES_DIR), `git::https://…?ref=…`, or a registry address. */
  source: string;
  /** Registry sources only: a version constraint. */
  version?: string;
  /** The cloud account the stack runs in: credentials by reference, and the tags of every resource. */
  cloud?: StackCloud;
  /** The module's input variables (templates resolved per tenant; whole-value templates keep their type). */
  inputs: Record<string, unknown>;
  /** The module outputs that become the tenant's outputs; secret ones are sealed. */
  outputs: { name: string; secret: boolean }[];
  /** Where the state lives; default: Tenantry's PostgreSQL. */
  state?: { backend: "pg" | "s3" | "gcs"; config?: Record<string, string | number | boolean> };
}

export interface StackCloud {
  provider: "aws" | "google";
  region?: string;
  /** aws: the role assumed in the customer's account. */
  roleArn?: string;
  externalId?: string;
  /** google: the project and the service account impersonated. */
  project?: string;
  serviceAccount?: string;
}

export interface Blueprint {
  services: BlueprintService[];
  databases: BlueprintDatabase[];
  envVarGroups: BlueprintEnvVarGroup[];
  parameters: BlueprintParameter[];
  hooks: { bootstrap?: { command: string; service?: string; timeoutSeconds?: number } };
  /** Terraform stacks (Tenantry extension); absent or empty for most blueprints. */
  stacks?: BlueprintStack[];
  previews?: Record<string, unknown>;
  /** Deprecated root keys of render.yaml, kept as written. */
  previewsEnabled?: boolean;
  previewsExpireAfterDays?: number;
  version?: string;
}

/** A problem found in a blueprint, located in its source. */
export interface Diagnostic {
  severity: "error" | "warning";
  /** Stable code, e.g. `unknown-key`, `missing-reference`, `deprecated-env`. */
  code: string;
  /** JSON pointer into the blueprint, e.g. `/services/0/envVars/2/fromDatabase/name`. */
  pointer: string;
  message: string;
  /** 1-based position in the YAML source, when known. */
  line?: number;
  column?: number;
}
