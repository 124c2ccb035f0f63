import type { Blueprint } from "../model.js";
import { didYouMean } from "../suggest.js";
import { type Diagnostics, isObject } from "./context.js";
import { checkShape, int, obj, str, typeName } from "./shape.js";

const bootstrap = obj({ command: str(), service: str(), timeoutSeconds: int(1) }, ["command"]);
const hooksShape = obj({ bootstrap: { t: "any" } });

/**
 * Checks `hooks:` (Tenantry extension). `bootstrap` is a command string or
 * `{ command, service?, timeoutSeconds? }`; `service` names a service that runs commands.
 * `kinds` maps each service name to its kind (`web`, `static`, `keyvalue`, …).
 */
export function checkHooks(value: unknown, kinds: Map<string, string>, d: Diagnostics): Blueprint["hooks"] {
  if (value === undefined) return {};
  checkShape(value, hooksShape, "/hooks", d);
  if (!isObject(value) || value["bootstrap"] === undefined) return {};
  const b = value["bootstrap"];
  if (typeof b === "string") return { bootstrap: { command: b } };
  if (!isObject(b)) {
    d.error(
      "wrong-type",
      "/hooks/bootstrap",
      `must be a command string or a mapping with \`command\`, not ${typeName(b)}`,
    );
    return {};
  }
  checkShape(b, bootstrap, "/hooks/bootstrap", d);
  const service = b["service"];
  if (typeof service === "string") {
    const kind = kinds.get(service);
    if (kind === undefined) {
      d.error(
        "missing-reference",
        "/hooks/bootstrap/service",
        `no service named \`${service}\`${didYouMean(service, kinds.keys())}`,
      );
    } else if (kind === "static" || kind === "keyvalue") {
      d.error(
        "incompatible-reference",
        "/hooks/bootstrap/service",
        `\`${service}\` cannot run commands: name a web, pserv, worker or cron service`,
      );
    }
  }
  return {
    bootstrap: {
      command: String(b["command"]),
      ...(typeof service === "string" ? { service } : {}),
      ...(typeof b["timeoutSeconds"] === "number" ? { timeoutSeconds: b["timeoutSeconds"] } : {}),
    },
  };
}
