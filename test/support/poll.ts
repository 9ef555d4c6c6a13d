import { sleep } from "./measure";

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
  while (!(await done()) && Date.now() < deadline) await sleep(everyMs);
}
