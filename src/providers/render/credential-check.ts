import { deadlineSignal } from "../../lib/deadline-signal.js";
import { throwIfAborted } from "../kit/abort.js";
import { RenderClient } from "./client.js";

/**
 * The cheap authenticated call that checks an organization's Render API key: `GET
 * /owners/{workspaceId}` when the workspace is named, else `GET /owners` (which must show
 * exactly one workspace). Throws the client's errors (`RenderAccessError` on 401/403) or a
 * plain Error saying what is wrong; returns the workspace.
 */
export async function checkRenderKey(
  key: { apiKey: string; workspaceId?: string | undefined },
  options: { baseUrl?: string; fetch?: typeof fetch; signal?: AbortSignal; timeoutMs?: number },
): Promise<{ workspaceId: string; workspaceName?: string }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const timeout = deadlineSignal(options.signal, timeoutMs);
  const signal = timeout.signal;
  const scope = {
    signal,
    timeLeft: () => Math.max(0, deadline - Date.now()),
    throwIfAborted: () => throwIfAborted(signal),
  };
  // One attempt: a check answers now, it does not wait out an outage.
  const client = new RenderClient({
    apiKey: key.apiKey,
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    maxAttempts: 1,
    timeoutMs: Math.min(timeoutMs, 30_000),
  });
  try {
    if (key.workspaceId) {
      const owner = await client.request<{ id: string; name?: string }>(
        "GET",
        `/owners/${encodeURIComponent(key.workspaceId)}`,
        { ctx: scope },
      );
      return { workspaceId: owner.id, ...(owner.name && { workspaceName: owner.name }) };
    }
    const owners = await client.list<{ id: string; name?: string }>("/owners", "owner", {}, scope);
    const only = owners[0];
    if (owners.length !== 1 || !only) {
      throw new Error(
        owners.length === 0
          ? "the key reaches no workspace"
          : `the key reaches ${owners.length} workspaces (${owners.map((o) => o.id).join(", ")}): name one with workspace_id`,
      );
    }
    return { workspaceId: only.id, ...(only.name && { workspaceName: only.name }) };
  } finally {
    timeout.dispose();
  }
}
