/**
 * Colour for the CLI's output, decided per stream: on for a terminal, off when `NO_COLOR`
 * is set (to anything, https://no-color.org), when the stream is not a TTY, and for
 * `TERM=dumb`; `FORCE_COLOR` (anything but `0` or `false`) forces it on, also into a
 * pipe; `--no-color` turns it off whatever the environment says. Only SGR escapes are written, and `visibleWidth` ignores them.
 */

/** `--no-color` (set before each command runs, src/cli/program.ts). */
let disabledByFlag = false;

export function setColorFlag(enabled: boolean): void {
  disabledByFlag = !enabled;
}

export function colorEnabled(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (disabledByFlag) return false;
  const force = env["FORCE_COLOR"];
  if (force !== undefined) return !["0", "false"].includes(force.trim().toLowerCase());
  if (env["NO_COLOR"] !== undefined) return false;
  if (env["TERM"] === "dumb") return false;
  return Boolean(stream.isTTY);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escapes is the point
const SGR = /\x1b\[[0-9;]*m/g;

/** The text without colour escapes. */
export const stripColor = (s: string): string => s.replace(SGR, "");

/** The display width of a cell: its characters, colour escapes not counted. */
export const visibleWidth = (s: string): number => [...stripColor(s)].length;

export type Color = "red" | "green" | "yellow" | "blue" | "cyan" | "dim" | "bold";

const CODES: Record<Color, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** `text` in `color` when colour is on for `stream` (default stdout). */
export function paint(color: Color, text: string, stream: { isTTY?: boolean } = process.stdout): string {
  if (!colorEnabled(stream)) return text;
  const [on, off] = CODES[color];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}

/** The colour of a tenant's (or an operation's, a key's) status. */
export function statusColor(status: string): Color | undefined {
  switch (status) {
    case "active":
    case "succeeded":
    case "ready":
    case "ok":
      return "green";
    case "failed":
    case "errored":
    case "revoked":
    case "access_error":
      return "red";
    case "degraded":
    case "expired":
      return "yellow";
    case "suspended":
    case "destroyed":
    case "deleted":
    case "canceled":
      return "dim";
    default:
      // Transitional: queued, provisioning, updating, destroying…
      return "cyan";
  }
}

/** A status, coloured by {@link statusColor} when colour is on. */
export function paintStatus(status: string, stream: { isTTY?: boolean } = process.stdout): string {
  const color = statusColor(status);
  return color ? paint(color, status, stream) : status;
}
