/**
 * A JSON parser that keeps where every value came from, so that the fake's diagnostics
 * carry the same `range` (line, column, byte) and `snippet` as Terraform's. Objects keep
 * their properties in order and allow repeated keys, as HCL's JSON syntax does.
 */

export interface Pos {
  line: number;
  column: number;
  byte: number;
}

export interface Range {
  filename: string;
  start: Pos;
  end: Pos;
}

export type JNode =
  | { kind: "object"; props: JProp[]; range: Range }
  | { kind: "array"; items: JNode[]; range: Range }
  | { kind: "string"; value: string; range: Range; raw: string }
  | { kind: "number"; value: number; range: Range }
  | { kind: "bool"; value: boolean; range: Range }
  | { kind: "null"; value: null; range: Range };

export interface JProp {
  key: string;
  keyRange: Range;
  value: JNode;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly summary: string,
    readonly detail: string,
    readonly range: Range,
  ) {
    super(`${summary}: ${detail}`);
  }
}

export function parseJsonSource(filename: string, text: string): JNode {
  const p = new Parser(filename, text);
  p.skipSpace();
  if (p.atEnd()) {
    throw new JsonSyntaxError("Missing value", "The JSON data ends prematurely.", p.rangeFrom(p.pos()));
  }
  const node = p.value();
  p.skipSpace();
  if (!p.atEnd()) {
    throw new JsonSyntaxError(
      "Extraneous data after value",
      "Extra characters appear after the JSON value.",
      p.rangeFrom(p.pos()),
    );
  }
  return node;
}

/** The plain JavaScript value of a node. */
export function plain(node: JNode): unknown {
  switch (node.kind) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const p of node.props) out[p.key] = plain(p.value);
      return out;
    }
    case "array":
      return node.items.map(plain);
    default:
      return node.value;
  }
}

class Parser {
  #i = 0;
  #line = 1;
  #lineStart = 0;

  constructor(
    readonly filename: string,
    readonly text: string,
  ) {}

  atEnd(): boolean {
    return this.#i >= this.text.length;
  }

  pos(): Pos {
    return { line: this.#line, column: this.#i - this.#lineStart + 1, byte: this.#byte(this.#i) };
  }

  #byte(index: number): number {
    return Buffer.byteLength(this.text.slice(0, index));
  }

  rangeFrom(start: Pos, width = 1): Range {
    const end = this.pos();
    if (end.byte === start.byte) return { filename: this.filename, start, end: advance(start, width) };
    return { filename: this.filename, start, end };
  }

  skipSpace(): void {
    while (!this.atEnd()) {
      const c = this.text[this.#i];
      if (c === "\n") {
        this.#i++;
        this.#line++;
        this.#lineStart = this.#i;
      } else if (c === " " || c === "\t" || c === "\r") this.#i++;
      else break;
    }
  }

  #eof(): never {
    throw new JsonSyntaxError("Missing value", "The JSON data ends prematurely.", this.rangeFrom(this.pos()));
  }

  value(): JNode {
    this.skipSpace();
    if (this.atEnd()) this.#eof();
    const c = this.text[this.#i]!;
    if (c === "{") return this.#object();
    if (c === "[") return this.#array();
    if (c === '"') return this.#string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.#number();
    const start = this.pos();
    const word = /^[A-Za-z_]+/.exec(this.text.slice(this.#i))?.[0] ?? "";
    if (word === "true" || word === "false" || word === "null") {
      this.#i += word.length;
      const range = this.rangeFrom(start);
      return word === "null"
        ? { kind: "null", value: null, range }
        : { kind: "bool", value: word === "true", range };
    }
    if (word) {
      this.#i += word.length;
      throw new JsonSyntaxError(
        "Invalid JSON keyword",
        `"${word}" is not a valid JSON keyword. Valid keywords are "true", "false", and "null".`,
        this.rangeFrom(start),
      );
    }
    throw new JsonSyntaxError(
      "Syntax error",
      `Unexpected character ${JSON.stringify(c)}.`,
      this.rangeFrom(start),
    );
  }

  #object(): JNode {
    const start = this.pos();
    this.#i++;
    const props: JProp[] = [];
    this.skipSpace();
    if (this.text[this.#i] === "}") {
      this.#i++;
      return { kind: "object", props, range: this.rangeFrom(start) };
    }
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) this.#unclosed(start, "object");
      if (this.text[this.#i] !== '"') {
        const at = this.pos();
        throw new JsonSyntaxError(
          "Invalid object property name",
          "A JSON object property name must be a string",
          this.rangeFrom(at),
        );
      }
      const key = this.#string();
      this.skipSpace();
      if (this.atEnd()) this.#eof();
      if (this.text[this.#i] !== ":") {
        throw new JsonSyntaxError(
          "Missing property value colon",
          "JSON object properties must have a colon between the name and the value.",
          this.rangeFrom(this.pos()),
        );
      }
      this.#i++;
      const value = this.value();
      props.push({ key: key.value as string, keyRange: key.range, value });
      this.skipSpace();
      if (this.atEnd()) this.#unclosed(start, "object");
      const c = this.text[this.#i];
      if (c === ",") {
        this.#i++;
        continue;
      }
      if (c === "}") {
        this.#i++;
        return { kind: "object", props, range: this.rangeFrom(start) };
      }
      throw new JsonSyntaxError(
        "Missing attribute seperator comma",
        "A comma is required to separate each attribute from the next inside an object.",
        this.rangeFrom(this.pos()),
      );
    }
  }

  #unclosed(start: Pos, what: "object" | "array"): never {
    const closing = what === "object" ? "brace" : "bracket";
    throw new JsonSyntaxError(`Unclosed ${what}`, `No closing ${closing} was found for this JSON ${what}.`, {
      filename: this.filename,
      start,
      end: advance(start, 1),
    });
  }

  #array(): JNode {
    const start = this.pos();
    this.#i++;
    const items: JNode[] = [];
    this.skipSpace();
    if (this.text[this.#i] === "]") {
      this.#i++;
      return { kind: "array", items, range: this.rangeFrom(start) };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      if (this.atEnd()) this.#unclosed(start, "array");
      const c = this.text[this.#i];
      if (c === ",") {
        this.#i++;
        continue;
      }
      if (c === "]") {
        this.#i++;
        return { kind: "array", items, range: this.rangeFrom(start) };
      }
      throw new JsonSyntaxError(
        "Missing array element separator comma",
        "A comma is required to separate each array element from the next.",
        this.rangeFrom(this.pos()),
      );
    }
  }

  #string(): JNode & { kind: "string" } {
    const start = this.pos();
    const from = this.#i;
    this.#i++;
    while (!this.atEnd()) {
      const c = this.text[this.#i];
      if (c === "\\") this.#i += 2;
      else if (c === '"') {
        this.#i++;
        const raw = this.text.slice(from, this.#i);
        let value: string;
        try {
          value = JSON.parse(raw) as string;
        } catch {
          throw new JsonSyntaxError(
            "Invalid JSON string",
            "The string contains an invalid escape sequence.",
            {
              filename: this.filename,
              start,
              end: this.pos(),
            },
          );
        }
        return { kind: "string", value, raw, range: this.rangeFrom(start) };
      } else if (c === "\n") break;
      else this.#i++;
    }
    throw new JsonSyntaxError("Unterminated string", "No closing quote was found for this string.", {
      filename: this.filename,
      start,
      end: advance(start, 1),
    });
  }

  #number(): JNode {
    const start = this.pos();
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.#i));
    if (!m)
      throw new JsonSyntaxError(
        "Invalid JSON number",
        "This is not a valid JSON number.",
        this.rangeFrom(start),
      );
    this.#i += m[0].length;
    return { kind: "number", value: Number(m[0]), range: this.rangeFrom(start) };
  }
}

function advance(p: Pos, n: number): Pos {
  return { line: p.line, column: p.column + n, byte: p.byte + n };
}

/** A range inside a JSON string literal: `offset`/`length` count characters of the decoded string. */
export function rangeInString(node: JNode & { kind: "string" }, offset: number, length: number): Range {
  // Map decoded offsets to raw offsets; exact while the string has no escapes (the common case).
  const raw = node.raw;
  let rawIndex = 1;
  let decoded = 0;
  const rawAt = (target: number) => {
    while (decoded < target && rawIndex < raw.length - 1) {
      rawIndex += raw[rawIndex] === "\\" ? (raw[rawIndex + 1] === "u" ? 6 : 2) : 1;
      decoded++;
    }
    return rawIndex;
  };
  const s = rawAt(offset);
  const e = rawAt(offset + length);
  const startByte = node.range.start.byte + Buffer.byteLength(raw.slice(0, s));
  const endByte = node.range.start.byte + Buffer.byteLength(raw.slice(0, e));
  return {
    filename: node.range.filename,
    start: { line: node.range.start.line, column: node.range.start.column + s, byte: startByte },
    end: { line: node.range.start.line, column: node.range.start.column + e, byte: endByte },
  };
}
