import { describe, expect, it } from "vitest";
import { attribute, categoryOf, type CpuProfile } from "./cpu-profile";

const NM = "/repo/instrumentation/node_modules";

describe("categoryOf", () => {
  it("names the owner of each kind of source", () => {
    expect(categoryOf(`${NM}/@opentelemetry/instrumentation-http/build/src/http.js`)).toBe("instrumentation wrapping");
    expect(categoryOf(`${NM}/require-in-the-middle/index.js`)).toBe("instrumentation wrapping");
    expect(categoryOf("node:async_hooks")).toBe("context propagation");
    expect(categoryOf("node:internal/async_local_storage/async_hooks")).toBe("context propagation");
    expect(categoryOf(`${NM}/@opentelemetry/context-async-hooks/build/src/x.js`)).toBe("context propagation");
    expect(categoryOf(`${NM}/@opentelemetry/api/build/src/api/context.js`)).toBe("context propagation");
    expect(categoryOf(`${NM}/@opentelemetry/api/build/src/trace/context-utils.js`)).toBe("span processing (SDK)");
    expect(categoryOf(`${NM}/@opentelemetry/sdk-trace-base/build/src/Span.js`)).toBe("span processing (SDK)");
    expect(categoryOf("file:///repo/instrumentation/src/rules.ts")).toBe("our hooks and rules");
    expect(categoryOf("file:///repo/instrumentation/src/scrub.ts")).toBe("scrubbing");
    expect(categoryOf("file:///repo/instrumentation/src/scrubbing-exporter.ts")).toBe("scrubbing");
    expect(categoryOf("file:///repo/instrumentation/src/resilient-exporter.ts")).toBe("export");
    expect(categoryOf(`${NM}/@opentelemetry/otlp-transformer/build/src/x.js`)).toBe("export");
    expect(categoryOf(`${NM}/@grpc/grpc-js/build/src/call.js`)).toBe("export");
    expect(categoryOf(`${NM}/protobufjs/src/writer.js`)).toBe("export");
    expect(categoryOf("/repo/examples/order-system/node_modules/express/lib/router/layer.js")).toBe("other");
    expect(categoryOf("/repo/examples/order-system/dist/shop.js")).toBe("other");
    expect(categoryOf("", "(garbage collector)")).toBe("other");
  });

  it("passes Node's internals and built-ins without a script to their caller", () => {
    expect(categoryOf("node:_http_outgoing")).toBeUndefined();
    expect(categoryOf("node:internal/streams/writable")).toBeUndefined();
    expect(categoryOf("", "stringify")).toBeUndefined();
  });
});

describe("attribute", () => {
  // root → app handler → node internal (leaf); root → exporter → node internal (leaf); idle.
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
  const profile: CpuProfile = {
    startTime: 1000,
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 4, 6] },
      { id: 2, callFrame: frame("handler", "/app/dist/shop.js"), children: [3] },
      { id: 3, callFrame: frame("write", "node:_http_outgoing") },
      { id: 4, callFrame: frame("export", "/b/register.js#export"), children: [5] },
      { id: 5, callFrame: frame("write", "node:net") },
      { id: 6, callFrame: frame("(idle)", "") },
    ],
    // Sample times 1010, 1020, 1030, 1040, 1050; each lasts until the next.
    samples: [3, 5, 5, 6, 3],
    timeDeltas: [10, 10, 10, 10, 10],
  };
  const sourceOf = (f: { url: string }) =>
    f.url === "/b/register.js#export" ? "file:///repo/instrumentation/src/resilient-exporter.ts" : f.url;

  it("gives each sample in the window to the innermost frame that has an owner", () => {
    const totals = attribute(profile, 1000, 1045, sourceOf);
    expect(totals.other).toBe(10); // the app's write at 1010
    expect(totals.export).toBe(20); // the exporter's writes at 1020 and 1030
    expect(totals.other + totals.export).toBe(30); // idle at 1040 left out
    expect(totals.garbageCollection).toBe(0);
  });

  it("counts GC as other, and apart", () => {
    const withGc: CpuProfile = {
      ...profile,
      nodes: [...profile.nodes, { id: 7, callFrame: frame("(garbage collector)", "") }],
      samples: [7, 3],
      timeDeltas: [10, 10],
    };
    const totals = attribute(withGc, 1000, 1015, sourceOf);
    expect(totals.other).toBe(10);
    expect(totals.garbageCollection).toBe(10);
  });

  it("leaves out samples outside the window", () => {
    expect(attribute(profile, 1015, 1025, sourceOf).export).toBe(10);
  });
});
