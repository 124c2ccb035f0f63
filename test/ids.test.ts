import { describe, expect, it } from "vitest";
import { isUuid, newId } from "../src/lib/ids.js";

describe("ids", () => {
  it("are UUIDv7 and sort in creation order, also many within one millisecond", () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe("7");
      expect("89ab").toContain(id[19]!);
    }
    // 20 000 ids take a few milliseconds: most share one with others.
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const ms = new Set(ids.map((id) => id.slice(0, 13)));
    expect(ms.size).toBeLessThan(ids.length / 10);
  });

  it("carry their creation time", () => {
    const before = Date.now();
    const id = newId();
    const at = Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});
