import { stringify } from "yaml";

/**
 * A kubeconfig with one cluster, user and context (`fake`), for kubectl and
 * @kubernetes/client-node; with a CA certificate when the server speaks TLS. A plain-HTTP
 * server gets `insecure-skip-tls-verify: true`: @kubernetes/client-node refuses `http://`
 * servers without it.
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
          ...(server.startsWith("http://") && { "insecure-skip-tls-verify": true }),
        },
      },
    ],
    users: [{ name: "fake", user: { token } }],
    contexts: [{ name: "fake", context: { cluster: "fake", user: "fake", namespace } }],
    "current-context": "fake",
    preferences: {},
  });
}
