import { api, unwrap } from "../api.js";
import { Ago, ErrorNote, Loading, useTitle } from "../components/ui.js";
import { canWrite, useSession } from "../session.js";
import { useLoad } from "../use-load.js";

export function BlueprintsPage() {
  useTitle("Blueprints");
  const session = useSession();
  const list = useLoad(() => unwrap(api().GET("/v1/blueprints")), []);
  return (
    <section aria-labelledby="blueprints-title">
      <div class="page-head">
        <h1 id="blueprints-title">Blueprints</h1>
        <div class="spacer" />
        <a class="button" href="/validate">
          Validate a blueprint
        </a>
      </div>
      <ErrorNote error={list.error} title="The blueprints could not be read" />
      {!list.data && !list.error && <Loading what="blueprints" />}
      {list.data && list.data.data.length === 0 && (
        <p class="empty">
          No blueprint is stored yet: <code>tenantry blueprints push NAME FILE</code>.
        </p>
      )}
      {list.data && list.data.data.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Latest version</th>
              <th scope="col">Pushed</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((b) => (
              <tr key={b.name}>
                <th scope="row">
                  <a href={`/blueprints/${encodeURIComponent(b.name)}`}>{b.name}</a>
                </th>
                <td>v{b.version}</td>
                <td>
                  <Ago at={b.created_at} />
                </td>
                <td>
                  {canWrite(session) && (
                    <a href={`/new?blueprint=${encodeURIComponent(b.name)}`}>New tenant from it</a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
