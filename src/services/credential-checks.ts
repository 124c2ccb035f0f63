import type { CredentialSecret } from "../domain/credentials.js";
import { TenantryError } from "../domain/errors.js";
import { type OutboundAllowance, outboundUrlProblem } from "../lib/outbound.js";
import { checkKubernetesCredential, kubeConfigOf } from "../providers/kubernetes/credential-check.js";
import { AccessError } from "../providers/provider.js";
import { checkRenderKey } from "../providers/render/credential-check.js";

/**
 * Checks a credential against its platform with one cheap authenticated call (see
 * docs/credentials.md): Render `GET /owners/{id}` (or `/owners`), Kubernetes a namespace
 * read. A cloud role reference is checked for its shape only (parseCredentialInput):
 * assuming it needs the cloud's own SDK and Tenantry's cloud identity, which the terraform
 * target's CLI has and Tenantry does not.
 */

export interface CheckSettings {
  /** `RENDER_API_URL`. */
  renderApiUrl?: string;
  /** For tests. */
  fetch?: typeof fetch;
  /** One check's time limit. @default 10000 */
  timeoutMs?: number;
  /**
   * `TENANTRY_OUTBOUND_ALLOWED_NETWORKS`: the non-public networks a cluster's `server` may
   * be on (an organization's server is a URL taken from a user). @default none
   */
  outbound?: OutboundAllowance;
}

/**
 * Why Tenantry must not call the cluster an organization's credential names: its server is
 * on a loopback, private or link-local address (or a name resolving to one) that
 * `TENANTRY_OUTBOUND_ALLOWED_NETWORKS` does not allow. With the field it comes from.
 * Null for other kinds, and for a kubeconfig without a current cluster (its check says so).
 */
export async function credentialServerProblem(
  secret: CredentialSecret,
  settings: Pick<CheckSettings, "outbound">,
): Promise<{ pointer: string; message: string } | null> {
  if (secret.kind !== "kubeconfig" && secret.kind !== "kubernetes_token") return null;
  let server: string | undefined;
  try {
    server = kubeConfigOf(secret).getCurrentCluster()?.server;
  } catch {
    return null;
  }
  if (!server) return null;
  const problem = await outboundUrlProblem(server, settings.outbound);
  if (!problem) return null;
  return {
    pointer: secret.kind === "kubeconfig" ? "/kubeconfig" : "/server",
    message: `the cluster's server ${server}: ${problem}`,
  };
}

/** What a check learned (the workspace a key reaches), merged into the secret and the display. */
export interface CheckResult {
  secret: CredentialSecret;
  display: Record<string, string>;
}

/** The outcome of a check that failed: refused (401/403) or otherwise not usable, with why. */
export class CredentialCheckError extends Error {
  readonly refused: boolean;
  constructor(message: string, refused: boolean) {
    super(message);
    this.name = "CredentialCheckError";
    this.refused = refused;
  }
}

export async function checkCredential(
  secret: CredentialSecret,
  settings: CheckSettings,
): Promise<CheckResult> {
  try {
    switch (secret.kind) {
      case "render_api_key": {
        const found = await checkRenderKey(secret, {
          baseUrl: settings.renderApiUrl,
          fetch: settings.fetch,
          timeoutMs: settings.timeoutMs,
        });
        return {
          secret: { ...secret, workspaceId: found.workspaceId },
          display: {
            workspace_id: found.workspaceId,
            ...(found.workspaceName && { workspace_name: found.workspaceName }),
          },
        };
      }
      case "kubeconfig":
      case "kubernetes_token": {
        const refused = await credentialServerProblem(secret, settings);
        if (refused) throw new CredentialCheckError(refused.message, false);
        const found = await checkKubernetesCredential(secret, { timeoutMs: settings.timeoutMs });
        return { secret, display: { server: found.server } };
      }
      case "cloud_role":
        return { secret, display: {} };
    }
  } catch (err) {
    const refused =
      err instanceof AccessError || [401, 403].includes((err as { status?: number }).status ?? 0);
    // Never the key: the platform's answer and what was asked.
    throw new CredentialCheckError((err as Error).message, refused);
  }
}

/** A failed check at registration: a 422 that says what the platform answered. */
export function checkFailedProblem(target: string, err: CredentialCheckError): TenantryError {
  return new TenantryError(
    "CREDENTIAL_CHECK_FAILED",
    `the ${target} credential did not pass its check: ${err.message}`,
    {
      extra: { target },
    },
  );
}
