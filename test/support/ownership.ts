import { expect } from "vitest";
import { ProviderError } from "../../src/providers/provider.js";

/** What `p` rejected with, or an Error saying it did not reject. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
}

/** `p` rejects with the permanent NAME_TAKEN error naming `name`. */
export async function expectNameTaken(p: Promise<unknown>, name: string): Promise<void> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(ProviderError);
  expect((err as ProviderError).code).toBe("NAME_TAKEN");
  expect((err as ProviderError).retryable).toBe(false);
  expect((err as ProviderError).message).toContain(name);
}
