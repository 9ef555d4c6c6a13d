// Attribution of a V8 CPU profile (`node --cpu-prof`) to the parts of the tracing cost that
// bench/profile.ts reports. Pure: the profile, a window and a frame-to-source function in, µs out.

export const CATEGORIES = [
  "instrumentation wrapping",
  "context propagation",
  "our hooks and rules",
  "span processing (SDK)",
  "scrubbing",
  "export",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * The owner of a source file (an original source of the bundle, or a script's URL), or undefined
 * for code that passes its cost to its caller (Node's internals, built-ins without a script).
 */
export function categoryOf(source: string, functionName = ""): Category | undefined {
  const file = source.replace(/\\/g, "/");
  if (file === "") {
    if (functionName === "(garbage collector)" || functionName === "(program)") return "other";
    return undefined;
  }
  // Node 20 keeps AsyncLocalStorage in async_hooks; 22 and 24 in async_local_storage/ and
  // async_context_frame.
  if (/^node:(internal\/)?(async_hooks|async_local_storage|async_context_frame)/.test(file)) {
    return "context propagation";
  }
  if (file.startsWith("node:")) return undefined;
  if (/instrumentation\/src\/(scrub|scrubbing-exporter)\.ts$/.test(file)) return "scrubbing";
  if (/instrumentation\/src\/(exporter|resilient-exporter|export-accounting)\.ts$/.test(file)) return "export";
  if (/instrumentation\/src\//.test(file)) return "our hooks and rules";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file);
  if (!pkg) return "other";
  const [name, rest] = [pkg[1], pkg[2]];
  if (name === "@opentelemetry/context-async-hooks") return "context propagation";
  if (name === "@opentelemetry/api")
    return /\/src\/(context\/|api\/context\.)/.test(rest) ? "context propagation" : "span processing (SDK)";
  if (/^@opentelemetry\/(instrumentation|auto-instrumentations)/.test(name) || name === "@fastify/otel") {
    return "instrumentation wrapping";
  }
  if (["require-in-the-middle", "import-in-the-middle", "shimmer", "module-details-from-path"].includes(name)) {
    return "instrumentation wrapping";
  }
  if (/^@opentelemetry\/(exporter-|otlp-)/.test(name) || /^(@grpc\/|protobufjs|@protobufjs\/)/.test(name)) {
    return "export";
  }
  if (name.startsWith("@opentelemetry/")) return "span processing (SDK)";
  return "other";
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** What `attribute` returns: µs of samples per category, and how much of "other" was GC. */
export type Attribution = Record<Category, number> & { garbageCollection: number };

/**
 * µs of samples per category within [fromUs, toUs] (the profiler's clock: CLOCK_MONOTONIC). A
 * sample lasts until the next one; "(idle)" samples (the event loop waiting) are left out.
 */
export function attribute(
  profile: CpuProfile,
  fromUs: number,
  toUs: number,
  sourceOf: (frame: ProfileNode["callFrame"]) => string,
): Attribution {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const categoryOfNode = new Map<number, Category | "idle">();
  const resolve = (id: number): Category | "idle" => {
    const cached = categoryOfNode.get(id);
    if (cached) return cached;
    const node = byId.get(id) as ProfileNode;
    let category: Category | "idle" | undefined =
      node.callFrame.functionName === "(idle)"
        ? "idle"
        : categoryOf(sourceOf(node.callFrame), node.callFrame.functionName);
    if (category === undefined) {
      const up = parent.get(id);
      category = up === undefined ? "other" : resolve(up);
    }
    categoryOfNode.set(id, category);
    return category;
  };
  const totals = {
    ...(Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>),
    garbageCollection: 0,
  };
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    if (time < fromUs || time > toUs) continue;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    const category = resolve(profile.samples[i]);
    if (category !== "idle") totals[category] += duration;
    if (byId.get(profile.samples[i])?.callFrame.functionName === "(garbage collector)") {
      totals.garbageCollection += duration;
    }
  }
  return totals;
}
