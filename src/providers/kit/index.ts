/**
 * The provider kit: what every provider of a remote platform needs, written once. See
 * README.md beside this file.
 */
export { type Scope, sleep, throwIfAborted } from "./abort.js";
export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  HttpApiError,
  HttpClient,
  type HttpClientOptions,
  type HttpErrors,
  isNotFound,
  listPages,
  MAX_REQUEST_TIMEOUT_MS,
  MIN_TIME_TO_START_CREATE_MS,
  type Query,
  RateLimitedError,
  type RateLimitHeaders,
  type RequestOptions,
  resetTimeOf,
} from "./http-client.js";
export {
  createdAfterRule,
  deleteAndConfirm,
  findByName,
  findOwned,
  markerRule,
  type Named,
  type NameMatches,
  type OwnedCollection,
  type OwnershipRule,
} from "./owned-objects.js";
export { type PollOptions, PollTimeoutError, pollUntil, waitWithin } from "./poll.js";
export {
  type BucketLimit,
  type BucketOf,
  BucketRateLimiter,
  type BucketRateLimiterOptions,
  type RequestPacer,
  unlimited,
} from "./rate-limiter.js";
