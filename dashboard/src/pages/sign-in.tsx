import { useState } from "preact/hooks";
import { clientFor, unwrap } from "../api.js";
import { ErrorNote, useTitle } from "../components/ui.js";
import { signIn } from "../session.js";

/** Sign-in with an API key, checked against the server (`GET /v1/organization`) before it is kept. */
export function SignInPage() {
  useTitle("Sign in");
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const apiKey = key.trim();
    if (!apiKey) return;
    setBusy(true);
    setError(undefined);
    try {
      const identity = await unwrap(clientFor(apiKey).GET("/v1/organization"));
      signIn({ apiKey, identity });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={submit} aria-describedby="sign-in-help">
        <h1>Sign in to Tenantry</h1>
        <p id="sign-in-help" class="muted">
          Use an API key of your organization (<code>tenantry keys create</code>). It is kept in this browser
          tab only, until you sign out or close it.
        </p>
        <label class="field">
          <span>API key</span>
          <input
            type="password"
            name="api-key"
            autoComplete="current-password"
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          />
        </label>
        <ErrorNote error={error} title="That key was not accepted" />
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
