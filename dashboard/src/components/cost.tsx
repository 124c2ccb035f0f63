import type { Schemas } from "../../../src/client/index.js";
import { formatMoney } from "../format.js";

/** A blueprint's monthly cost on a target, line by line. */
export function CostTable({ cost }: { cost: Schemas["Cost"] }) {
  return (
    <div class="cost">
      <table class="table table-compact">
        <caption>
          Monthly cost on {cost.provider}: <strong>{formatMoney(cost.totalMonthly, cost.currency)}</strong>
          <span class="muted small"> (prices of {cost.priceDate})</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Plan</th>
            <th scope="col" class="num">
              Per month
            </th>
          </tr>
        </thead>
        <tbody>
          {cost.lines.map((l) => (
            <tr key={l.key}>
              <td>
                {l.name} <span class="muted small">{l.kind}</span>
              </td>
              <td>{l.plan ?? "–"}</td>
              <td class="num" title={l.detail}>
                {formatMoney(l.monthly, cost.currency)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cost.warnings.map((w) => (
        <p key={w} class="muted small">
          {w}
        </p>
      ))}
    </div>
  );
}
