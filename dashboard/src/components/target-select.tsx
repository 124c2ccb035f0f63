import type { ComponentChildren } from "preact";
import { api, unwrap } from "../api.js";
import { useLoad } from "../use-load.js";

/** A field choosing one of the server's targets (`GET /v1/targets`), or its default. */
export function TargetField(props: {
  id: string;
  value: string;
  onChange(target: string): void;
  children?: ComponentChildren;
}) {
  const targets = useLoad(() => unwrap(api().GET("/v1/targets")), []);
  return (
    <div class="field">
      <label for={props.id}>Target</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        <option value="">The server's default</option>
        {(targets.data?.data ?? []).map((t) => (
          <option key={t.name} value={t.name}>
            {t.name}
          </option>
        ))}
      </select>
      {props.children}
    </div>
  );
}
