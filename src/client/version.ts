// Generated from package.json by `npm run generate:client`; do not edit.

/** The version of the package this SDK ships in (its User-Agent: `tenantry-client/<version>`). */
export const CLIENT_VERSION = "0.1.0";
