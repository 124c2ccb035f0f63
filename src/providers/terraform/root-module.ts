import type { DesiredResource, StackSpec } from "../../domain/resources.js";
import type { OwnerMarker } from "../ownership.js";

/**
 * A tenant's stacks as one Terraform root module in JSON syntax (`main.tf.json`): the
 * backend, a provider configuration per stack (the customer's region, the role assumed or
 * the service account impersonated, default tags naming the installation, organization and
 * tenant), a module call per stack with its inputs, and an output per listed module output
 * (`<stack>__<output>`). Pure: the work directory (workdir.ts) writes what this returns.
 *
 * Nothing secret is in it: credentials are references (a role ARN, a service account),
 * Tenantry's own identity comes from the environment of the `tofu` process, and the `pg`
 * backend's connection string is passed as `PG_CONN_STR`, never written.
 */

export interface RootModule {
  /** The JSON of `main.tf.json`. */
  json: Record<string, unknown>;
  /** Local module folders to copy into the work directory: `modules/<stack>` ← `source`. */
  localModules: { stack: string; source: string }[];
}

/** The default tags (AWS) and labels (GCP) of every resource: how leftovers are found later. */
export function ownershipTags(marker: OwnerMarker): Record<string, string> {
  return {
    "tenantry-installation": marker.installation,
    "tenantry-organization": marker.organization,
    "tenantry-tenant": marker.tenant,
  };
}

/** The name of a root output: `<stack>__<output>`. */
export const outputName = (stack: string, output: string) => `${stack}__${output}`;

/** The module address of a stack in plans and state: `module.<stack>`. */
export const moduleAddress = (stack: string) => `module.${stack}`;

/**
 * Escapes Terraform's template sequences in a literal string: in JSON syntax `${…}` and
 * `%{…}` in any string are interpolations, so a tenant's input must never reach Terraform
 * unescaped (`${file("/etc/passwd")}` stays text).
 */
export function literal(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
  if (Array.isArray(value)) return value.map(literal);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [literal(k) as string, literal(v)]));
  }
  return value;
}

export interface RootModuleOptions {
  marker: OwnerMarker;
  /** Names the sessions Tenantry opens in the customer's account (CloudTrail shows it). */
  sessionName: string;
  /** The tenant's unique platform name: its state's key in an S3/GCS backend. */
  stateKey: string;
  /** Where states live when no stack says (TENANTRY_TERRAFORM_STATE); unset: the `pg` backend. */
  defaultState?: StackSpec["state"];
}

type StackResource = Pick<DesiredResource<"stack">, "key" | "spec">;

export function rootModule(stacks: readonly StackResource[], options: RootModuleOptions): RootModule {
  const tags = ownershipTags(options.marker);
  const providers: Record<string, Record<string, unknown>[]> = {};
  const requiredProviders: Record<string, { source: string }> = {};
  const modules: Record<string, unknown> = {};
  const outputs: Record<string, unknown> = {};
  const localModules: RootModule["localModules"] = [];

  for (const { spec } of stacks) {
    const call: Record<string, unknown> = { ...(literal(spec.inputs) as Record<string, unknown>) };
    if (spec.source.startsWith("./") || spec.source.startsWith("../")) {
      call["source"] = `./modules/${spec.name}`;
      localModules.push({ stack: spec.name, source: spec.source });
    } else {
      call["source"] = spec.source;
      if (spec.version !== undefined) call["version"] = spec.version;
    }
    const cloud = spec.cloud;
    if (cloud?.provider === "aws") {
      requiredProviders["aws"] = { source: "hashicorp/aws" };
      const aws = providers["aws"] ?? [];
      providers["aws"] = aws;
      aws.push({
        alias: spec.name,
        ...(cloud.region ? { region: literal(cloud.region) } : {}),
        ...(cloud.roleArn
          ? {
              assume_role: [
                {
                  role_arn: literal(cloud.roleArn),
                  session_name: options.sessionName,
                  ...(cloud.externalId ? { external_id: literal(cloud.externalId) } : {}),
                },
              ],
            }
          : {}),
        default_tags: [{ tags }],
      });
      call["providers"] = { aws: `aws.${spec.name}` };
    } else if (cloud?.provider === "google") {
      requiredProviders["google"] = { source: "hashicorp/google" };
      requiredProviders["google-beta"] = { source: "hashicorp/google-beta" };
      // google-beta too, configured alike: many Google modules create some resources through it.
      const config = {
        alias: spec.name,
        ...(cloud.project ? { project: literal(cloud.project) } : {}),
        ...(cloud.region ? { region: literal(cloud.region) } : {}),
        ...(cloud.serviceAccount ? { impersonate_service_account: literal(cloud.serviceAccount) } : {}),
        default_labels: tags,
      };
      for (const name of ["google", "google-beta"]) {
        const list = providers[name] ?? [];
        providers[name] = list;
        list.push({ ...config });
      }
      call["providers"] = { google: `google.${spec.name}`, "google-beta": `google-beta.${spec.name}` };
    }
    modules[spec.name] = call;
    for (const o of spec.outputs) {
      // Always sensitive at the root: a module output that is sensitive may only reach a
      // sensitive root output, and which ones are the tenant's secrets is the blueprint's call.
      outputs[outputName(spec.name, o.name)] = {
        value: `\${module.${spec.name}.${o.name}}`,
        sensitive: true,
      };
    }
  }

  const terraform: Record<string, unknown> = {
    required_version: ">= 1.6.0",
    backend: backendOf(stacks, options),
  };
  if (Object.keys(requiredProviders).length > 0) terraform["required_providers"] = requiredProviders;
  const json: Record<string, unknown> = { terraform };
  if (Object.keys(providers).length > 0) json["provider"] = providers;
  if (Object.keys(modules).length > 0) json["module"] = modules;
  if (Object.keys(outputs).length > 0) json["output"] = outputs;
  return { json, localModules };
}

/**
 * The state backend: Tenantry's PostgreSQL by default (the `pg` backend, configured from
 * the environment: `PG_CONN_STR`, `PG_SCHEMA_NAME`, one workspace per tenant), or the
 * customer's S3 bucket / GCS bucket a stack names (the tenant's key inside it, the same
 * role or service account as the stack's).
 */
function backendOf(stacks: readonly StackResource[], options: RootModuleOptions): Record<string, unknown> {
  const declared = stacks.find((s) => s.spec.state);
  const state = declared ? declared.spec.state : options.defaultState;
  if (!state || state.backend === "pg") return { pg: {} };
  // The stack that declares it lends its credentials; a default state uses the first stack's.
  const cloud: StackSpec["cloud"] = (declared ?? stacks[0])?.spec.cloud;
  const config = literal(state.config ?? {}) as Record<string, unknown>;
  if (state.backend === "s3") {
    return {
      s3: {
        key: `tenantry/${options.stateKey}/terraform.tfstate`,
        ...(cloud?.region && !("region" in config) ? { region: literal(cloud.region) } : {}),
        ...(cloud?.roleArn && !("assume_role" in config)
          ? {
              assume_role: {
                role_arn: literal(cloud.roleArn),
                session_name: options.sessionName,
                ...(cloud.externalId ? { external_id: literal(cloud.externalId) } : {}),
              },
            }
          : {}),
        ...config,
      },
    };
  }
  return {
    gcs: {
      prefix: `tenantry/${options.stateKey}`,
      ...(cloud?.serviceAccount && !("impersonate_service_account" in config)
        ? { impersonate_service_account: literal(cloud.serviceAccount) }
        : {}),
      ...config,
    },
  };
}
