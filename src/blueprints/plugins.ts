/**
 * Per-tenant plugin repositories (the CRM team's `custom_plugin_repo`): the repository is
 * cloned shallowly into `CUSTOM_PLUGINS_PATH` before the service's own build command.
 * The URL is tenant input that ends up in a shell command, so it is validated strictly
 * and, as a second line of defence, shell-quoted.
 */

/** Hosts plugin repositories may come from unless configured otherwise. */
export const DEFAULT_PLUGIN_HOSTS = ["github.com", "gitlab.com", "bitbucket.org"] as const;

/** Where the plugins are cloned, relative to the build's working directory. */
export const CUSTOM_PLUGINS_PATH = "custom_plugins";

// Owner/repository paths as the big git hosts allow them: letters, digits, . _ - and /.
const SAFE_PATH = /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/;

/** Why `raw` is not an acceptable plugin repository URL, or null when it is. */
export function pluginRepoProblem(
  raw: string,
  allowedHosts: readonly string[] = DEFAULT_PLUGIN_HOSTS,
): string | null {
  // The whole string, not just what a URL parser makes of it (it drops a bare `?`).
  if (!/^https:\/\/[A-Za-z0-9.-]+(\/[A-Za-z0-9._~-]+)+\/?$/.test(raw)) {
    return "must be an https:// git URL of letters, digits, '.', '_', '-', '~' and '/'";
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an https:// git URL";
  }
  if (url.protocol !== "https:") return "must be an https:// git URL";
  if (url.username || url.password) return "must not contain credentials";
  if (url.search || url.hash) return "must not have a query or fragment";
  if (url.port) return "must not name a port";
  if (!allowedHosts.includes(url.hostname))
    return `host ${url.hostname} is not allowed (allowed: ${allowedHosts.join(", ")})`;
  if (!SAFE_PATH.test(url.pathname) || url.pathname.split("/").some((s) => s === "." || s === "..")) {
    return "the path may contain only letters, digits, '.', '_', '-', '~' and '/'";
  }
  // The parsed URL must be exactly what was given: no normalisation hiding anything.
  if (url.toString() !== raw) return "must be written in canonical form";
  return null;
}

/** POSIX shell single-quoting: the result is one word whose value is exactly `s`. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The build command with the shallow clone of the plugin repository in front of it. */
export function withPluginClone(buildCommand: string | undefined, repoUrl: string): string {
  const clone = `rm -rf ${CUSTOM_PLUGINS_PATH} && git clone --depth 1 -- ${shellQuote(repoUrl)} ${CUSTOM_PLUGINS_PATH}`;
  // The original command runs in a subshell on its own lines, so its `;`, `||` or a
  // trailing `# comment` cannot change what the clone's `&&` applies to.
  return buildCommand?.trim() ? `${clone} && (\n${buildCommand}\n)` : clone;
}
