/** One server-sent message: its fields (`data` lines joined), or a comment only. */
export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/**
 * Splits a server-sent event stream into messages (the format of the WHATWG HTML
 * standard: `field: value` lines, a blank line ends a message, `:` lines are comments).
 */
export class SseParser {
  private buffer = "";

  /** The messages completed by `chunk`. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const out: SseMessage[] = [];
    for (let end = this.buffer.indexOf("\n\n"); end >= 0; end = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const m: SseMessage = {};
      let fields = 0;
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") m.data = m.data === undefined ? value : `${m.data}\n${value}`;
        else if (field === "id" || field === "event" || field === "retry") m[field] = value;
        else continue;
        fields++;
      }
      if (fields > 0) out.push(m);
    }
    return out;
  }
}
