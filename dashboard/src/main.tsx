import { render } from "preact";
import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import { AuditPage } from "./pages/audit.js";
import { BlueprintPage } from "./pages/blueprint.js";
import { BlueprintsPage } from "./pages/blueprints.js";
import { NewTenantPage } from "./pages/new-tenant.js";
import { SignInPage } from "./pages/sign-in.js";
import { TenantPage } from "./pages/tenant.js";
import { TenantsPage } from "./pages/tenants.js";
import { ValidatePage } from "./pages/validate.js";
import { signOut, useSession } from "./session.js";
import "./styles.css";

const NAV = [
  {
    href: "/",
    label: "Tenants",
    match: (p: string) => p === "/" || p.startsWith("/tenants") || p === "/new",
  },
  { href: "/blueprints", label: "Blueprints", match: (p: string) => p.startsWith("/blueprints") },
  { href: "/validate", label: "Validate", match: (p: string) => p === "/validate" },
  { href: "/audit", label: "Audit log", match: (p: string) => p === "/audit", admin: true },
];

/** The audit log is for admins (`GET /v1/audit` needs the admin role). */
const isAdmin = (role: string) => role === "admin" || role === "platform_admin";

function Shell() {
  const session = useSession();
  const { path } = useLocation();
  if (!session) return <SignInPage />;
  const { organization, api_key } = session.identity;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          Tenantry
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => !n.admin || isAdmin(api_key.role)).map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={n.match(path) ? "page" : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="whoami">
          <span title={`API key ${api_key.prefix}… (${api_key.role})`}>
            {organization.name} · {api_key.name} <span class="role">{api_key.role.replace("_", " ")}</span>
          </span>
          <a href="/docs">API</a>
          <button type="button" class="button button-small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={TenantsPage} />
          <Route path="/tenants" component={TenantsPage} />
          <Route path="/tenants/:id" component={TenantPage} />
          <Route path="/new" component={NewTenantPage} />
          <Route path="/blueprints" component={BlueprintsPage} />
          <Route path="/blueprints/:name" component={BlueprintPage} />
          <Route path="/validate" component={ValidatePage} />
          <Route path="/audit" component={AuditPage} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing here. <a href="/">Back to the tenants</a>.
      </p>
    </section>
  );
}

const root = document.getElementById("app");
if (root)
  render(
    <LocationProvider>
      <Shell />
    </LocationProvider>,
    root,
  );
