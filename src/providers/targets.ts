/**
 * The targets Tenantry knows, and what to configure for each one that is not configured:
 * a create (or plan, render) for an absent target says so instead of only naming the
 * targets there are.
 */
export const TARGET_SETUP: Readonly<Record<string, string>> = {
  local: "it is always there unless the process was started with other providers",
  render:
    "set RENDER_API_KEY (and RENDER_OWNER_ID when the key reaches several workspaces); see docs/render.md",
  kubernetes:
    "set TENANTRY_KUBERNETES_BASE_DOMAIN and give Tenantry a kubeconfig (TENANTRY_KUBERNETES_KUBECONFIG, KUBECONFIG) or run it in the cluster; see docs/kubernetes.md",
  terraform:
    "install OpenTofu (tofu) or Terraform on Tenantry's PATH, or set TENANTRY_TERRAFORM_BIN; see docs/terraform.md",
};

/** The message of an unknown target: what is configured, and how to get this one. */
export function unknownTargetMessage(target: string, configured: readonly string[]): string {
  const setup = TARGET_SETUP[target];
  return setup && target !== "local"
    ? `target "${target}" is not configured: ${setup}`
    : `no provider serves target "${target}" (configured: ${configured.join(", ") || "none"})`;
}
