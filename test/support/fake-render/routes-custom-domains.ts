import { badRequest, conflict, notFound } from "./errors.js";
import { asObject, inTimeRange, listParam, matchesAny, requiredString, stringParam } from "./input.js";
import { paginate } from "./pagination.js";
import { accepted, created, noContent, ok, type Route } from "./router.js";
import { serviceOr404 } from "./routes-services.js";
import { iso, type Ordered, type ServiceRecord, type Store } from "./store.js";
import type { CustomDomain } from "./types.js";

/**
 * Custom domains of web services and static sites. Adding an apex domain also adds its
 * `www.` subdomain redirecting to it; adding `www.<apex>` also adds the apex redirecting
 * to it; both come back in the 201 array. Deleting a domain deletes the one redirecting
 * to it. Domains start `unverified`; `POST …/verify` marks them `verified`. A domain
 * belongs to one service of the workspace at most (409).
 */
type DomainRecord = CustomDomain & Ordered;

/** As the API shows it: `server.name` follows renames of the service. */
export function domainView(rec: ServiceRecord, { seq: _seq, ...d }: DomainRecord): CustomDomain {
  return { ...structuredClone(d), server: { id: rec.service.id, name: rec.service.name } };
}

function findDomain(rec: ServiceRecord, idOrName: string): DomainRecord {
  const found = rec.customDomains.find((d) => d.id === idOrName || d.name === idOrName.toLowerCase());
  if (!found) throw notFound("custom domain", idOrName);
  return found;
}

/** The registrable part: `example.com`, `example.co.uk`. A short list, enough for tests. */
function split(name: string): { apex: string; publicSuffix: string } {
  const labels = name.split(".");
  const twoPart =
    labels.length > 2 &&
    /^[a-z]{2}$/.test(labels.at(-1)!) &&
    /^(co|com|org|net|ac|gov)$/.test(labels.at(-2)!);
  const suffixLabels = twoPart ? 2 : 1;
  return {
    apex: labels.slice(-(suffixLabels + 1)).join("."),
    publicSuffix: labels.slice(-suffixLabels).join("."),
  };
}

function addDomain(
  store: Store,
  rec: ServiceRecord,
  name: string,
  redirectForName: string,
  now: number,
): DomainRecord {
  const { id, seq } = store.issue("cdm");
  const { apex, publicSuffix } = split(name);
  const domain: DomainRecord = {
    seq,
    id,
    name,
    domainType: name === apex ? "apex" : "subdomain",
    publicSuffix,
    redirectForName,
    verificationStatus: "unverified",
    createdAt: iso(now),
    server: { id: rec.service.id, name: rec.service.name },
  };
  rec.customDomains.push(domain);
  return domain;
}

export const customDomainRoutes: Route[] = [
  {
    method: "GET",
    template: "/services/{serviceId}/custom-domains",
    handle({ store, params, query }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const names = listParam(query, "name");
      const domainType = stringParam(query, "domainType");
      const verification = stringParam(query, "verificationStatus");
      const domains = rec.customDomains.filter(
        (d) =>
          matchesAny(names, d.name) &&
          matchesAny(domainType === undefined ? undefined : [domainType], d.domainType) &&
          matchesAny(verification === undefined ? undefined : [verification], d.verificationStatus) &&
          inTimeRange(query, "created", d.createdAt),
      );
      const page = paginate(domains, query, { seqOf: (d) => d.seq, seqOfCursor: (c) => store.seqOf(c) });
      return ok(page.map((d) => ({ customDomain: domainView(rec, d), cursor: d.id })));
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/custom-domains",
    handle({ store, params, body, now }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      if (rec.service.type !== "web_service" && rec.service.type !== "static_site") {
        throw badRequest("custom domains apply to web services and static sites only");
      }
      const name = requiredString(asObject(body), "name").toLowerCase().replace(/\.$/, "");
      if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(name))
        throw badRequest(`invalid domain name ${name}`);
      const { apex } = split(name);
      const partner = name === apex ? `www.${apex}` : name === `www.${apex}` ? apex : undefined;
      for (const other of store.services.values()) {
        for (const d of other.customDomains) {
          if (d.name === name || d.name === partner) throw conflict(`custom domain ${d.name} already exists`);
        }
      }
      const added = [addDomain(store, rec, name, "", now)];
      if (partner) added.push(addDomain(store, rec, partner, name, now));
      return created(added.map((d) => domainView(rec, d)));
    },
  },
  {
    method: "GET",
    template: "/services/{serviceId}/custom-domains/{customDomainIdOrName}",
    handle({ store, params }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      return ok(domainView(rec, findDomain(rec, params["customDomainIdOrName"]!)));
    },
  },
  {
    method: "DELETE",
    template: "/services/{serviceId}/custom-domains/{customDomainIdOrName}",
    handle({ store, params }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const domain = findDomain(rec, params["customDomainIdOrName"]!);
      rec.customDomains = rec.customDomains.filter((d) => d !== domain && d.redirectForName !== domain.name);
      return noContent;
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/custom-domains/{customDomainIdOrName}/verify",
    handle({ store, params }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      findDomain(rec, params["customDomainIdOrName"]!).verificationStatus = "verified";
      return accepted;
    },
  },
];
