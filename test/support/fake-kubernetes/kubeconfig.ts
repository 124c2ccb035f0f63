import { stringify } from "yaml";

/**
 * A kubeconfig with one cluster, user and context (`fake`), for kubectl and
 * @kubernetes/client-node; with a CA certificate when the server speaks TLS.
 */
export function kubeconfig(server: string, token: string, caCert?: string, namespace = "default"): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "fake",
        cluster: {
          server,
          ...(caCert && { "certificate-authority-data": Buffer.from(caCert, "utf8").toString("base64") }),
        },
      },
    ],
    users: [{ name: "fake", user: { token } }],
    contexts: [{ name: "fake", context: { cluster: "fake", user: "fake", namespace } }],
    "current-context": "fake",
    preferences: {},
  });
}
