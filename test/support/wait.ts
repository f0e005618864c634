/** Polling for e2e tests: wait until a condition holds, or fail with what was awaited. */
import assert from 'node:assert/strict';

export async function waitUntil(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}
