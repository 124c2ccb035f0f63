import { parseArgs } from "node:util";
import { startFakeKubernetes } from "./server.js";

/**
 * Runs the fake Kubernetes API on its own: `npm run fake:kubernetes -- [--port N] [--fast]`.
 * Prints the kubeconfig to use, then serves until Ctrl-C.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    fast: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log("usage: npm run fake:kubernetes -- [--port N] [--fast] [--strict]");
  console.log(
    "  --fast    durations in objects (progressDeadlineSeconds, ttlSecondsAfterFinished…) pass 10x faster",
  );
  console.log("  --strict  unknown fields are refused even without fieldValidation=Strict");
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`--port: not a port: ${values.port}`);

const fake = await startFakeKubernetes({
  port,
  ...(values.fast && { timings: { secondMs: 100 } }),
  ...(values.strict && { defaultFieldValidation: "Strict" as const }),
});
console.log(`Fake Kubernetes API listening on ${fake.url}${fake.httpsUrl ? ` and ${fake.httpsUrl}` : ""}`);
console.log(`  token:      ${fake.token}`);
console.log(`  kubeconfig: ${fake.kubeconfigPath}`);
console.log(
  `  validation against the OpenAPI v3 documents: ${fake.validating ? "on" : "off (../shared/specs/kubernetes not found)"}`,
);
console.log("");
console.log("Use it:");
console.log(`  export KUBECONFIG=${fake.kubeconfigPath}`);
console.log("  kubectl get namespaces");
console.log("  kubectl apply --server-side -f deployment.yaml && kubectl get deployments,pods");
console.log("");
console.log("Ctrl-C to stop (the kubeconfig is removed).");

let reported = 0;
const timer = setInterval(() => {
  for (const v of fake.violations.slice(reported)) {
    console.warn(`[fake-kubernetes] invalid ${v.kind} ${v.name}: ${v.errors.join("; ")}`);
  }
  reported = fake.violations.length;
}, 1000);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(timer);
    void fake.close().then(() => process.exit(0));
  });
}
