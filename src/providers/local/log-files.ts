import type { FileHandle } from "node:fs/promises";
import { mkdir, open, stat } from "node:fs/promises";
import path from "node:path";
import { sleep } from "../kit/abort.js";

/**
 * Log files of supervised processes. The child writes straight to an O_APPEND descriptor
 * (no pipe through Tenantry), so its output keeps landing in the file while Tenantry
 * restarts, and concurrent writers (a dying and a new incarnation) never overwrite each other.
 * Reading them (a tail, then following new lines) is here too: `Provider.logs` of the local
 * target is {@link logLines} over a resource's files.
 */

/** Opens `file` for appending, creating it (mode 0640) and its directories as needed. */
export async function openLogForAppend(file: string): Promise<FileHandle> {
  await mkdir(path.dirname(file), { recursive: true });
  return open(file, "a", 0o640);
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The last `lines` lines of `file`, read backwards in 64 KiB chunks so the cost depends on
 * the lines returned, not on the file's size. A trailing newline does not count as an empty
 * last line. Reading stops after `maxBytes` (default 8 MiB) so one gigantic line cannot make
 * the call unbounded; the oldest returned line may then be cut. A missing file has no lines.
 */
export async function tailLines(file: string, lines: number, maxBytes = 8 * 1024 * 1024): Promise<string[]> {
  if (!Number.isInteger(lines) || lines <= 0) return [];
  let fh: FileHandle;
  try {
    fh = await open(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    let read = 0;
    // Need `lines` separators before the wanted lines, plus the possible trailing one.
    while (pos > 0 && newlines <= lines && read < maxBytes) {
      const len = Math.min(CHUNK, pos, maxBytes - read);
      pos -= len;
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      const chunk = buf.subarray(0, bytesRead);
      chunks.unshift(chunk);
      read += bytesRead;
      for (const byte of chunk) if (byte === NEWLINE) newlines++;
    }
    // Splitting on the byte level is safe: 0x0a never occurs inside a multi-byte UTF-8 sequence.
    const text = Buffer.concat(chunks).toString("utf8");
    const all = text.split("\n");
    if (all.length > 0 && all[all.length - 1] === "") all.pop();
    // Unless we reached the file's start, the first piece may be a partial line; with enough
    // newlines read it is outside the slice.
    return all.slice(-lines);
  } finally {
    await fh.close();
  }
}

/** At most this much new output is read per file and poll; the rest waits for the next poll. */
const FOLLOW_MAX_READ = 1024 * 1024;

/** A log file and the source its lines are prefixed with (`[run] …`). */
export interface LogSource {
  prefix: string;
  file: string;
}

/**
 * Follows log files by size: remembers each file's size and, every poll, reads the bytes
 * appended since, up to the last newline (a partial last line waits for its newline). A
 * file that shrank (recreated) is read again from its start.
 */
export class LogFollower {
  readonly #offsets = new Map<string, number>();
  constructor(readonly sources: LogSource[]) {}

  /** Marks the current end of every file as read. */
  async start(): Promise<void> {
    for (const { file } of this.sources) this.#offsets.set(file, await sizeOf(file));
  }

  /** The complete lines appended since the last call, prefixed by their source. */
  async poll(): Promise<string[]> {
    const out: string[] = [];
    for (const { prefix, file } of this.sources) {
      const size = await sizeOf(file);
      let offset = this.#offsets.get(file) ?? 0;
      if (size < offset) offset = 0;
      if (size === offset) continue;
      const fh = await open(file, "r").catch(() => undefined);
      if (!fh) continue;
      try {
        const len = Math.min(size - offset, FOLLOW_MAX_READ);
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, offset);
        const chunk = buf.subarray(0, bytesRead);
        const end = chunk.lastIndexOf(NEWLINE);
        if (end < 0) {
          // One line longer than a read: pass it on rather than waiting forever.
          if (bytesRead === FOLLOW_MAX_READ) {
            out.push(`[${prefix}] ${chunk.toString("utf8")}`);
            this.#offsets.set(file, offset + bytesRead);
          } else this.#offsets.set(file, offset);
          continue;
        }
        for (const line of chunk.subarray(0, end).toString("utf8").split("\n")) {
          out.push(`[${prefix}] ${line}`);
        }
        this.#offsets.set(file, offset + end + 1);
      } finally {
        await fh.close();
      }
    }
    return out;
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * The last `tail` lines of the sources, each prefixed by its source, in the order of the
 * sources (the files carry no timestamps to interleave them): the last `tail` overall.
 * With `follow`, then every complete line appended to any of them, polled every
 * `pollMs`, until `signal` aborts. The files' sizes are taken before the tail is read: a
 * line written in between is yielded twice rather than lost.
 */
export async function* logLines(
  sources: LogSource[],
  options: { tail: number; follow?: boolean; signal?: AbortSignal; pollMs?: number },
): AsyncGenerator<string> {
  const { signal } = options;
  const follower = options.follow ? new LogFollower(sources) : undefined;
  await follower?.start();
  const tail = Math.max(0, Math.floor(options.tail));
  if (tail > 0) {
    const read = await Promise.all(sources.map(({ file }) => tailLines(file, tail)));
    const lines = sources.flatMap(({ prefix }, i) => (read[i] ?? []).map((line) => `[${prefix}] ${line}`));
    for (const line of lines.slice(-tail)) {
      if (signal?.aborted) return;
      yield line;
    }
  }
  if (!follower) return;
  while (!signal?.aborted) {
    try {
      await sleep(options.pollMs ?? FOLLOW_POLL_MS, signal);
    } catch {
      return; // aborted: the end of the stream
    }
    for (const line of await follower.poll()) yield line;
  }
}

/** How often followed files are looked at. */
export const FOLLOW_POLL_MS = 500;
