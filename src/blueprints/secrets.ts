import type { Blueprint, EnvVarSpec } from "./model.js";

/**
 * The write-only secrets a blueprint declares: the keys of its `sync: false` variables,
 * in services and in env var groups. Stacks take no secret inputs (their inputs are
 * params; only their outputs can be secret), so they declare none.
 */
export function declaredSecrets(blueprint: Blueprint): Set<string> {
  const keys = new Set<string>();
  const add = (vars: readonly EnvVarSpec[]) => {
    for (const e of vars) if ("sync" in e) keys.add(e.key);
  };
  for (const svc of blueprint.services) add(svc.envVars);
  for (const group of blueprint.envVarGroups) add(group.envVars);
  return keys;
}

/**
 * The keys of `keys` the blueprint does not declare, in the order given: a value nothing
 * would read is refused rather than kept (a misspelt key would otherwise leave the
 * variable it was meant for without its value).
 */
export function undeclaredSecrets(blueprint: Blueprint, keys: Iterable<string>): string[] {
  const declared = declaredSecrets(blueprint);
  return [...keys].filter((key) => !declared.has(key));
}
