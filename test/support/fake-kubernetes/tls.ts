import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with the `openssl` command
 * at start-up (nothing is kept). kubectl needs it: client-go sends a kubeconfig's
 * credentials only over TLS, so against a plain-HTTP server it never authenticates.
 * `undefined` when `openssl` is not available.
 */
export function selfSignedCertificate(dir: string): { key: string; cert: string } | undefined {
  const keyPath = path.join(dir, "server.key");
  const certPath = path.join(dir, "server.crt");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=fake-kubernetes",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-keyout",
        keyPath,
        "-out",
        certPath,
      ],
      { stdio: "ignore", timeout: 10_000 },
    );
    return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8") };
  } catch {
    return undefined;
  }
}
