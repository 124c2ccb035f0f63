/**
 * Orders resources so that every resource comes after the ones it depends on
 * (Kahn's algorithm, ties broken by the input order so the plan is stable).
 * A cycle or a reference to an unknown key throws.
 */
export function dependencyOrder<T extends { key: string; dependsOn: string[] }>(items: T[]): T[] {
  const byKey = new Map(items.map((i) => [i.key, i]));
  const done = new Set<string>();
  const out: T[] = [];
  while (out.length < items.length) {
    const next = items.find(
      (i) => !done.has(i.key) && i.dependsOn.every((d) => done.has(d) || !byKey.has(d)),
    );
    if (!next) {
      const stuck = items.filter((i) => !done.has(i.key)).map((i) => i.key);
      throw new Error(`dependency cycle between ${stuck.join(", ")}`);
    }
    done.add(next.key);
    out.push(next);
  }
  return out;
}
