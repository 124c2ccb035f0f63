import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api.js";
import { formatAgo, formatTime } from "../format.js";
import type { LiveState } from "../live.js";

const STATUS_TONE: Record<string, string> = {
  active: "ok",
  suspended: "muted",
  destroyed: "muted",
  failed: "bad",
  degraded: "warn",
  succeeded: "ok",
  canceled: "muted",
};

/** A tenant's, operation's or step's status, coloured by meaning (and always spelt out). */
export function StatusBadge({ status }: { status: string }) {
  const tone = STATUS_TONE[status] ?? "busy";
  return <span class={`badge badge-${tone}`}>{status.replaceAll("_", " ")}</span>;
}

export function LiveBadge({ state }: { state: LiveState }) {
  const text = {
    live: "live",
    connecting: "connecting…",
    reconnecting: "reconnecting…",
    stopped: "not live: reload the page",
  }[state];
  return (
    <span class={`live live-${state}`} title="Changes appear here as they happen (server-sent events)">
      {text}
    </span>
  );
}

/** An error from the API, as an alert. */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <div class="alert alert-error" role="alert">
      {title && <strong>{title}</strong>}
      <pre class="alert-text">{describeError(error)}</pre>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function Ago({ at }: { at: string | null | undefined }) {
  return (
    <time dateTime={at ?? undefined} title={formatTime(at)}>
      {formatAgo(at)}
    </time>
  );
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return <span class="muted">–</span>;
  return (
    <ul class="chips" aria-label="labels">
      {entries.map(([k, v]) => (
        <li key={k} class="chip">
          {k}={v}
        </li>
      ))}
    </ul>
  );
}

/**
 * A button that asks first, in a modal dialog (focus moves into it; Escape cancels). With
 * `typeToConfirm`, the user must type that word (a tenant's slug before deleting it).
 */
export function ConfirmButton(props: {
  label: string;
  title: string;
  children: ComponentChildren;
  confirmLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  disabledReason?: string;
  typeToConfirm?: string;
  onConfirm(): Promise<void>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const open = () => {
    setTyped("");
    setError(undefined);
    dialog.current?.showModal();
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await props.onConfirm();
      dialog.current?.close();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm;
  const id = `confirm-${props.label.toLowerCase().replaceAll(/\W+/g, "-")}`;
  return (
    <>
      <button
        type="button"
        class={props.danger ? "button button-danger" : "button"}
        disabled={props.disabled}
        title={props.disabled ? props.disabledReason : undefined}
        onClick={open}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${id}-title`} class="dialog">
        <form method="dialog" onSubmit={confirm}>
          <h2 id={`${id}-title`}>{props.title}</h2>
          <div class="dialog-body">{props.children}</div>
          {props.typeToConfirm !== undefined && (
            <label class="field">
              <span>
                Type <code>{props.typeToConfirm}</code> to confirm
              </span>
              <input
                value={typed}
                autoComplete="off"
                spellcheck={false}
                onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
              />
            </label>
          )}
          <ErrorNote error={error} />
          <div class="dialog-actions">
            <button type="button" class="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button
              type="submit"
              class={props.danger ? "button button-danger" : "button button-primary"}
              disabled={!ready || busy}
            >
              {busy ? "Working…" : (props.confirmLabel ?? props.label)}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** Sets the document's title while the page is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Tenantry`;
  }, [title]);
}
