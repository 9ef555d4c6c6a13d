import { describe, expect, it } from "vitest";
import { progressReporter } from "./progress";

const step = { service: "crm", requests: 12, traces: 3400, pendingWindows: 5 };

function recorder(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
}

describe("progressReporter", () => {
  it("stays silent for a quick read", () => {
    const { stream, written } = recorder(false);
    let now = 0;
    const progress = progressReporter(stream, () => now);
    now = 900;
    progress.update(step);
    progress.done();
    expect(written).toEqual([]);
  });

  it("writes a line every 5 s into a log", () => {
    const { stream, written } = recorder(false);
    let now = 0;
    const progress = progressReporter(stream, () => now);
    for (now = 1_000; now <= 12_000; now += 1_000) progress.update(step);
    progress.done();
    expect(written).toEqual([
      "reading Jaeger: 12 searches, 3400 traces, 5 windows to go (5.0s; last service crm)\n",
      "reading Jaeger: 12 searches, 3400 traces, 5 windows to go (10.0s; last service crm)\n",
    ]);
  });

  it("redraws one line on a terminal and clears it at the end", () => {
    const { stream, written } = recorder(true);
    let now = 0;
    const progress = progressReporter(stream, () => now);
    now = 1_500;
    progress.update(step);
    now = 1_600;
    progress.update(step);
    progress.done();
    expect(written).toEqual([
      "\r\x1b[2Kreading Jaeger: 12 searches, 3400 traces, 5 windows to go (1.5s; last service crm)",
      "\r\x1b[2K",
    ]);
  });
});
