import { setTimeout as delay } from "node:timers/promises";

/**
 * Polls every `everyMs` until `done` holds or `timeoutMs` has passed, without failing: the test's
 * assertions afterwards say what was not done, with the figures.
 */
export async function pollUntil(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await delay(everyMs);
}

/** GETs a JSON document, retrying until `accept` holds or the time is up (storage writes are batched). */
export async function pollJson<T>(
  url: string,
  accept: (status: number, body: T | undefined) => boolean,
  timeoutMs = 60_000,
): Promise<{ status: number; body: T | undefined }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    const text = await response.text();
    let body: T | undefined;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = undefined;
    }
    if (accept(response.status, body)) return { status: response.status, body };
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${url}: last HTTP ${response.status} ${text.slice(0, 300)}`);
    await delay(500);
  }
}

/** Polls until `ready` holds for what `read` returns, or fails with what was last seen. */
export async function eventually<T>(
  read: () => Promise<T>,
  ready: (value: T) => boolean,
  timeoutMs: number,
  describe: (value: T) => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ready(value)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe(value)}`);
    await delay(2_000);
    value = await read();
  }
  return value;
}
