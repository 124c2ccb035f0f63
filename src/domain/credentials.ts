import { parse as parseYaml } from "yaml";
import { type FieldError, TenantryError } from "./errors.js";

/**
 * Organizations' own credentials for a target ("bring your own account", docs/credentials.md):
 * what each kind holds, which targets take which kinds, and the shape checks of a
 * registration. Checking a credential against its platform is the providers' (see
 * services/credential-checks.ts).
 */

export const CREDENTIAL_KINDS = ["render_api_key", "kubeconfig", "kubernetes_token", "cloud_role"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** The kinds each target takes. */
export const TARGET_CREDENTIAL_KINDS: Readonly<Record<string, readonly CredentialKind[]>> = {
  render: ["render_api_key"],
  kubernetes: ["kubeconfig", "kubernetes_token"],
  terraform: ["cloud_role"],
};

/** The sealed part of a credential, by kind. Never logged, never returned. */
export type CredentialSecret =
  | { kind: "render_api_key"; apiKey: string; workspaceId?: string }
  | { kind: "kubeconfig"; kubeconfig: string; context?: string }
  | { kind: "kubernetes_token"; server: string; token: string; caCert?: string; namespace?: string }
  | {
      kind: "cloud_role";
      provider: "aws" | "gcp" | "azure";
      roleArn?: string;
      serviceAccount?: string;
      clientId?: string;
      tenantId?: string;
      externalId?: string;
    };

/** A credential as a provider uses it: opened, with what identifies its version (for client caches). */
export interface TargetCredential {
  id: string;
  organizationId: string;
  target: string;
  /** Grows each time the credential is replaced: a client cached for another version is stale. */
  version: number;
  status: "ok" | "access_error";
  secret: CredentialSecret;
}

/** A registration's body as the API takes it (snake_case). */
export interface CredentialInput {
  target: string;
  name?: string | undefined;
  kind: string;
  api_key?: string | undefined;
  workspace_id?: string | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
  ca_cert?: string | undefined;
  namespace?: string | undefined;
  provider?: string | undefined;
  role_arn?: string | undefined;
  service_account?: string | undefined;
  client_id?: string | undefined;
  tenant_id?: string | undefined;
  external_id?: string | undefined;
}

const WORKSPACE = /^(tea|usr)-[a-z0-9]+$/;
const AWS_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const GCP_SA = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9-]+\.iam\.gserviceaccount\.com$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The fields an organization's kubeconfig may give a user and a cluster: inline data only. */
const KUBECONFIG_USER_FIELDS = [
  "token",
  "client-certificate-data",
  "client-key-data",
  "username",
  "password",
];
const KUBECONFIG_CLUSTER_FIELDS = [
  "server",
  "certificate-authority-data",
  "insecure-skip-tls-verify",
  "tls-server-name",
];

/**
 * What is wrong with an organization's kubeconfig: it may hold inline data only
 * ({@link KUBECONFIG_USER_FIELDS}, {@link KUBECONFIG_CLUSTER_FIELDS}). Anything else could
 * make Tenantry run a program (`exec`, `auth-provider`), read a file of its own host
 * (`token-file`, `client-key`, `certificate-authority`: a path to the installation's
 * service-account token, sent to the organization's server) or go through a proxy
 * (`proxy-url`). Empty when it is fine.
 */
export function kubeconfigProblems(text: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true });
  } catch (err) {
    return [`is not YAML: ${(err as Error).message.split("\n")[0]}`];
  }
  if (!doc || typeof doc !== "object") return [];
  const out: string[] = [];
  const check = (key: string, inner: string, allowed: readonly string[]) => {
    const list = (doc as Record<string, unknown>)[key];
    if (!Array.isArray(list)) return;
    for (const e of list as unknown[]) {
      const entry = (e ?? {}) as Record<string, unknown>;
      const body = entry[inner];
      if (!body || typeof body !== "object") continue;
      const name = typeof entry["name"] === "string" ? entry["name"] : "?";
      for (const field of Object.keys(body).filter((f) => !allowed.includes(f))) {
        out.push(`${inner} ${name}: \`${field}\` is not allowed (inline data only: ${allowed.join(", ")})`);
      }
    }
  };
  check("users", "user", KUBECONFIG_USER_FIELDS);
  check("clusters", "cluster", KUBECONFIG_CLUSTER_FIELDS);
  return out;
}

/** The last four characters of a secret, for display (`…abcd`); nothing of a short one. */
export function lastFour(secret: string): string {
  return secret.length >= 16 ? `…${secret.slice(-4)}` : "…";
}

/**
 * The secret and the display fields of a registration, or a 400 naming every bad field.
 * Fields of another kind are refused too: a secret sent by mistake is not silently kept.
 */
export function parseCredentialInput(input: CredentialInput): {
  target: string;
  name: string;
  secret: CredentialSecret;
  display: Record<string, string>;
} {
  const errors: FieldError[] = [];
  const kinds = TARGET_CREDENTIAL_KINDS[input.target];
  if (!kinds) {
    errors.push({
      pointer: "/target",
      message: `expected one of: ${Object.keys(TARGET_CREDENTIAL_KINDS).join(", ")}`,
    });
  } else if (!(kinds as readonly string[]).includes(input.kind)) {
    errors.push({ pointer: "/kind", message: `the ${input.target} target takes ${kinds.join(" or ")}` });
  }
  const need = (field: keyof CredentialInput): string => {
    const v = input[field];
    if (typeof v !== "string" || v.trim() === "") {
      errors.push({ pointer: `/${field}`, message: `is required for kind ${input.kind}` });
      return "";
    }
    return v.trim();
  };
  const allowed: Record<string, readonly (keyof CredentialInput)[]> = {
    render_api_key: ["api_key", "workspace_id"],
    kubeconfig: ["kubeconfig", "context"],
    kubernetes_token: ["server", "token", "ca_cert", "namespace"],
    cloud_role: ["provider", "role_arn", "service_account", "client_id", "tenant_id", "external_id"],
  };
  const own = allowed[input.kind] ?? [];
  for (const field of Object.values(allowed).flat()) {
    if (input[field] !== undefined && !own.includes(field)) {
      errors.push({ pointer: `/${field}`, message: `is not a field of kind ${input.kind}` });
    }
  }
  const opt = (field: keyof CredentialInput): string | undefined => {
    const v = input[field];
    return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
  };

  let secret: CredentialSecret | undefined;
  const display: Record<string, string> = {};
  switch (input.kind) {
    case "render_api_key": {
      const apiKey = need("api_key");
      const workspaceId = opt("workspace_id");
      if (workspaceId !== undefined && !WORKSPACE.test(workspaceId)) {
        errors.push({ pointer: "/workspace_id", message: "expected a workspace id such as tea-abc123" });
      }
      secret = { kind: "render_api_key", apiKey, ...(workspaceId && { workspaceId }) };
      display["key"] = lastFour(apiKey);
      if (workspaceId) display["workspace_id"] = workspaceId;
      break;
    }
    case "kubeconfig": {
      const kubeconfig = need("kubeconfig");
      const context = opt("context");
      for (const message of kubeconfigProblems(kubeconfig)) errors.push({ pointer: "/kubeconfig", message });
      secret = { kind: "kubeconfig", kubeconfig, ...(context && { context }) };
      if (context) display["context"] = context;
      break;
    }
    case "kubernetes_token": {
      const server = need("server");
      const token = need("token");
      const caCert = opt("ca_cert");
      const namespace = opt("namespace");
      if (server && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(server)) {
        errors.push({
          pointer: "/server",
          message: "expected the API server's URL, e.g. https://10.0.0.1:6443",
        });
      }
      if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
        errors.push({ pointer: "/namespace", message: "expected a namespace name (a DNS label)" });
      }
      secret = {
        kind: "kubernetes_token",
        server,
        token,
        ...(caCert && { caCert }),
        ...(namespace && { namespace }),
      };
      display["server"] = server;
      display["token"] = lastFour(token);
      if (namespace) display["namespace"] = namespace;
      break;
    }
    case "cloud_role": {
      const provider = need("provider");
      const externalId = opt("external_id");
      const roleArn = opt("role_arn");
      const serviceAccount = opt("service_account");
      const clientId = opt("client_id");
      const tenantId = opt("tenant_id");
      if (provider === "aws") {
        if (!roleArn || !AWS_ROLE.test(roleArn))
          errors.push({ pointer: "/role_arn", message: "expected arn:aws:iam::<12 digits>:role/<name>" });
        else display["role_arn"] = roleArn;
      } else if (provider === "gcp") {
        if (!serviceAccount || !GCP_SA.test(serviceAccount))
          errors.push({
            pointer: "/service_account",
            message: "expected <name>@<project>.iam.gserviceaccount.com",
          });
        else display["service_account"] = serviceAccount;
      } else if (provider === "azure") {
        if (!clientId || !UUID.test(clientId))
          errors.push({
            pointer: "/client_id",
            message: "expected the managed identity's client id (a UUID)",
          });
        else display["client_id"] = clientId;
        if (!tenantId || !UUID.test(tenantId))
          errors.push({ pointer: "/tenant_id", message: "expected the Azure tenant id (a UUID)" });
        else display["tenant_id"] = tenantId;
      } else if (provider) {
        errors.push({ pointer: "/provider", message: "expected aws, gcp or azure" });
      }
      if (provider) display["provider"] = provider;
      secret = {
        kind: "cloud_role",
        provider: provider as "aws" | "gcp" | "azure",
        ...(roleArn && { roleArn }),
        ...(serviceAccount && { serviceAccount }),
        ...(clientId && { clientId }),
        ...(tenantId && { tenantId }),
        ...(externalId && { externalId }),
      };
      break;
    }
    default:
      errors.push({ pointer: "/kind", message: `expected one of: ${CREDENTIAL_KINDS.join(", ")}` });
  }
  if (errors.length > 0 || !secret) {
    throw new TenantryError(
      "VALIDATION_FAILED",
      `invalid credential: ${errors.map((e) => `${e.pointer}: ${e.message}`).join("; ")}`,
      { errors },
    );
  }
  const name = input.name?.trim() || input.target;
  return { target: input.target, name, secret, display };
}
