import type { FileHandle } from "node:fs/promises";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";

/**
 * Log files of supervised processes. The child writes straight to an O_APPEND descriptor
 * (no pipe through Tenantry), so its output keeps landing in the file while Tenantry
 * restarts, and concurrent writers (a dying and a new incarnation) never overwrite each other.
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
