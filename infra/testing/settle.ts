import { setTimeout as delay } from "node:timers/promises";
import type { MockedResource } from "./mocks";

/**
 * Waits until a program under mocks has declared all its resources: the mock monitor registers them
 * asynchronously, so a test that reads `declared` right after constructing a component may see only
 * part of it. Resolves once no resource has appeared for a few event-loop turns in a row.
 */
export async function settled(declared: readonly MockedResource[], quietTurns = 5): Promise<readonly MockedResource[]> {
  let seen = -1;
  let quiet = 0;
  const deadline = Date.now() + 10_000;
  while (quiet < quietTurns && Date.now() < deadline) {
    await delay(10);
    if (declared.length === seen) quiet++;
    else {
      seen = declared.length;
      quiet = 0;
    }
  }
  return declared;
}
