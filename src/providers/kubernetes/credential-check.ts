import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { kubeconfigProblems } from "../../domain/credentials.js";

/**
 * The cheap authenticated call that checks an organization's cluster credential: a read
 * of its namespace (`default` when it names none). An answer of 200 or 404 means the
 * cluster took the credential; 401/403 is refused access. The cluster is what the
 * kubeconfig's current (or named) context points at, or the token's `server`.
 */
export function kubeConfigOf(
  credential:
    | { kind: "kubeconfig"; kubeconfig: string; context?: string }
    | { kind: "kubernetes_token"; server: string; token: string; caCert?: string; namespace?: string },
): KubeConfig {
  const kc = new KubeConfig();
  if (credential.kind === "kubeconfig") {
    // Checked at registration too; again here for what was stored before the rule.
    const problems = kubeconfigProblems(credential.kubeconfig);
    if (problems.length > 0) throw new Error(problems.join("; "));
    kc.loadFromString(credential.kubeconfig);
    if (credential.context) kc.setCurrentContext(credential.context);
    return kc;
  }
  kc.loadFromOptions({
    clusters: [
      {
        name: "cluster",
        server: credential.server,
        ...(credential.caCert && { caData: Buffer.from(credential.caCert).toString("base64") }),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: "tenantry", token: credential.token }],
    contexts: [{ name: "tenantry", cluster: "cluster", user: "tenantry" }],
    currentContext: "tenantry",
  });
  return kc;
}

export async function checkKubernetesCredential(
  credential: Parameters<typeof kubeConfigOf>[0],
  options: { timeoutMs?: number } = {},
): Promise<{ server: string }> {
  let kc: KubeConfig;
  try {
    kc = kubeConfigOf(credential);
  } catch (err) {
    throw new Error(`the kubeconfig cannot be read: ${(err as Error).message}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster: name a context");
  const namespace = (credential.kind === "kubernetes_token" && credential.namespace) || "default";
  const api = kc.makeApiClient(CoreV1Api);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${cluster.server} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([api.readNamespace({ name: namespace }), timeout]);
  } catch (err) {
    if (err instanceof ApiException) {
      if (err.code === 404) return { server: cluster.server };
      if (err.code === 401 || err.code === 403) {
        throw Object.assign(new Error(`${cluster.server} refused the credential (HTTP ${err.code})`), {
          status: err.code,
        });
      }
      throw new Error(`${cluster.server} answered HTTP ${err.code}`);
    }
    throw new Error(`${cluster.server} cannot be reached: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  return { server: cluster.server };
}
