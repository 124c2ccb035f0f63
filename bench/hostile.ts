/**
 * Hostile blueprints: how long does validating the worst inputs we know of take? Each is
 * validated 5 times; the slowest run is printed. Results: docs/benchmarks.md.
 *
 *   npx tsx bench/hostile.ts
 */
import { validateBlueprint } from "../src/blueprints/validate.js";

const keys = (n: number) => `${Array.from({ length: n }, (_, i) => `k${i}: 1`).join("\n")}\n`;
const bomb = [
  "a: &a [x, x, x, x, x, x, x, x, x, x]",
  ...["b", "c", "d", "e", "f", "g", "h"].map(
    (k, i) => `${k}: &${k} [${Array(10).fill(`*${"abcdefg"[i]}`).join(", ")}]`,
  ),
  "",
].join("\n");
const deep = `${Array.from({ length: 500 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n")} 1\n`;
const services = (n: number) =>
  `services:\n${Array.from({ length: n }, (_, i) => `  - type: web\n    name: s${i}\n    runtime: node\n    repo: https://github.com/acme/app\n    unknownField${i}: 1\n`).join("")}`;
const dupes = `${Array.from({ length: 20_000 }, () => "k: 1").join("\n")}\n`;

const cases: [string, string][] = [
  ["20,000 unknown top-level keys", keys(20_000)],
  ["20,000 duplicate keys", dupes],
  ["alias bomb (10^8 expansions)", bomb],
  ["self-referencing alias", "a: &a [*a]\n"],
  ["500 levels of nesting", deep],
  ["2,000 services with an unknown field each", services(2_000)],
  ["256 KiB of keys (the size limit)", keys(28_000).slice(0, 256 * 1024 - 1)],
  [
    "20,000 keys in one service",
    `services:\n  - type: web\n    name: w\n${Array.from({ length: 20_000 }, (_, i) => `    k${i}: 1`).join("\n")}\n`,
  ],
  ["constructor, __proto__ and toString as keys", "constructor: 1\n__proto__: 2\ntoString: 3\n"],
];

for (const [label, source] of cases) {
  let worst = 0;
  let errors = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    errors = validateBlueprint(source).errors.length;
    worst = Math.max(worst, performance.now() - t);
  }
  console.log(
    `${label.padEnd(44)} ${(source.length / 1024).toFixed(0).padStart(5)} KiB  worst ${worst.toFixed(0).padStart(5)} ms  (${errors} errors reported)`,
  );
}
