import { STATUS_CHANGE_SPAN } from "../../contract/trace";
import { lifecycleRank, NOT_A_PREVIOUS_STATUS, TERMINAL } from "./order-contract";
import { buildLogsUrl, fullTraceId } from "./logs-link";
import type { ReportSpan } from "./spans";

/** How much earlier than the order's first span its logs link starts (clocks of services differ). */
const LOGS_RANGE_MARGIN_MS = 60_000;

/**
 * The lifecycle math of the report: pure functions from spans to the answer of "in which status do
 * orders get stuck, and how long does their processing take". No I/O; the command fetches spans
 * and formats what this returns.
 */

export interface ReportOptions {
  /** The moment the report describes (epoch ms): end of the window, reference for "stuck for". */
  now: number;
  /** A non-terminal order that has been in its status longer than this is stuck. */
  stuckAfterMs: number;
  /** Base URL of the Jaeger UI; trace links are `<base>/trace/<traceId>`. */
  jaegerUiUrl: string;
  /** The log search each stuck order links to (`--logs-url-template`, checked); no links when absent. */
  logsUrlTemplate?: string;
  /**
   * Per status, the service that owns it where another service records it on the owner's behalf
   * (a JVM MES's statuses recorded by CRM when it consumes MES's events: `{ ACCEPTED: "mes" }`).
   * A status not named here is owned by the service that recorded it.
   */
  statusOwners?: Readonly<Record<string, string>>;
}

/**
 * Why the service named for a stuck order holds it (the attribution rule, in this order):
 * - `failed`: a span on the order's path failed after its last status change: the failing
 *   service and the operation that failed;
 * - `configured-owner`: nothing failed, and the status has an owner in `statusOwners`: that
 *   service, at the last thing it did on the order's path;
 * - `recorded-status`: nothing failed: the service that recorded the status, at the last thing it
 *   did on the order's path.
 */
export const HOLD_REASONS = ["failed", "configured-owner", "recorded-status"] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** A service and an operation in it, named by the request or message it served (`operationName`). */
export interface ServiceOperation {
  service: string;
  operation: string;
}

/** One status change of one order, ordered into the order's chain by `orderTransitions`. */
export interface Transition {
  status: string;
  previousStatus?: string;
  /** When the status changed: `order.status_changed_at`, or the span's start when that is missing or unreadable. */
  at: number;
  span: ReportSpan;
}

export interface StuckOrder {
  orderId: string;
  status: string;
  /** ISO-8601 UTC: when the order entered its current status. */
  since: string;
  stuckForMs: number;
  /** The subsystem that holds the order, and the operation there (see `reason`). */
  service: string;
  /** Empty when the owning service recorded no span for the order since the status change. */
  operation: string;
  /** Why `service` holds it: HOLD_REASONS. */
  reason: HoldReason;
  /** What failed (`errorText`), for reason `failed`; null otherwise. */
  error: string | null;
  /** Where the trace that set the status physically ends: its last span, status changes passed by. */
  traceEnd: ServiceOperation;
  /**
   * The trace to open: the failing span's, else the one that set the status; 32 hex digits, the
   * `trace_id` of the log lines written in it.
   */
  traceId: string;
  traceUrl: string;
  /** Its log lines: the logs URL template filled for this order; null without a template. */
  logsUrl: string | null;
}

/**
 * Upper bounds (ms) of the time-in-status distribution, from a second to a week; a last bucket
 * holds the longer stays. Shared by every output that shows the distribution.
 */
export const TIME_IN_STATUS_BUCKETS_MS = [
  1_000, 10_000, 60_000, 600_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000,
] as const;

/** Per bucket of TIME_IN_STATUS_BUCKETS_MS (and one more for longer), how many of `sortedMs` fall in it. */
export function distribution(sortedMs: readonly number[]): number[] {
  const counts = new Array<number>(TIME_IN_STATUS_BUCKETS_MS.length + 1).fill(0);
  let bucket = 0;
  for (const ms of sortedMs) {
    while (bucket < TIME_IN_STATUS_BUCKETS_MS.length && ms > TIME_IN_STATUS_BUCKETS_MS[bucket]) bucket++;
    counts[bucket]++;
  }
  return counts;
}

export interface StatusRow {
  status: string;
  stuckCount: number;
  /** Time in status over the orders that passed through it (entered and left it in the window). */
  p50Ms: number | null;
  p95Ms: number | null;
  /** Orders that entered the status in the window, and those in it now. */
  entered: number;
  current: number;
  /** Those stays, counted per bucket of TIME_IN_STATUS_BUCKETS_MS. */
  distribution: number[];
}

export interface ServiceRow {
  service: string;
  /** Durations of the service's entry spans on the order path (each time the order path entered it). */
  p50Ms: number | null;
  p95Ms: number | null;
  /** Fraction (0..1) of all processing time on the order path spent in this service itself. */
  share: number;
  entrySpans: number;
}

export interface OrderReport {
  /** Orders with at least one status change in the window. */
  orders: number;
  traces: number;
  stuck: StuckOrder[];
  byStatus: StatusRow[];
  byService: ServiceRow[];
}

/** Nearest-rank percentile of ascending-sorted values; null for no values. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

const roundMs = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10) / 10);

function parseTimestamp(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The status changes of one order, in the order they happened. Services' clocks differ and
 * spans arrive in any order, so timestamps alone cannot be trusted for the sequence: a change
 * whose `order.previous_status` is the current status follows it, whatever its timestamp. Where
 * that link is missing (a lost span, a window that starts mid-life), the change that no pending
 * change precedes goes next, earliest first. Repeats of the same change (a redelivered message)
 * count once, at their first occurrence.
 */
export function orderTransitions(statusSpans: readonly ReportSpan[]): Transition[] {
  const seen = new Set<string>();
  const pending: Transition[] = statusSpans
    .filter((span): span is ReportSpan & { status: string } => span.status !== undefined)
    .map((span) => ({
      status: span.status,
      previousStatus:
        span.previousStatus === undefined || NOT_A_PREVIOUS_STATUS.has(span.previousStatus)
          ? undefined
          : span.previousStatus,
      at: parseTimestamp(span.statusChangedAt) ?? span.startMs,
      span,
    }))
    .sort((a, b) => a.at - b.at || lifecycleRank(a.status) - lifecycleRank(b.status))
    .filter((t) => {
      const key = `${t.previousStatus ?? ""}->${t.status}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });

  const chain: Transition[] = [];
  while (pending.length > 0) {
    const current = chain.at(-1)?.status;
    let next = current === undefined ? -1 : pending.findIndex((t) => t.previousStatus === current);
    if (next < 0) {
      const pendingStatuses = new Set(pending.map((t) => t.status));
      next = pending.findIndex((t) => t.previousStatus === undefined || !pendingStatuses.has(t.previousStatus));
    }
    if (next < 0) next = 0; // a cycle among the pending changes: take them by time
    const [transition] = pending.splice(next, 1);
    // A change into the status the order is already in adds nothing (a duplicate without a link).
    if (transition.status !== current) chain.push(transition);
  }
  return chain;
}

/** One stay of an order in a status; `leftAt` is undefined while the order is still there. */
interface Stay {
  status: string;
  enteredAt: number;
  leftAt?: number;
}

function staysOf(chain: readonly Transition[]): Stay[] {
  return chain.map((t, i) => ({ status: t.status, enteredAt: t.at, leftAt: chain[i + 1]?.at }));
}

/** One trace's spans by id, and each span's children. */
interface TraceLinks {
  byId: Map<string, ReportSpan>;
  children: Map<string, ReportSpan[]>;
}

/**
 * Spans grouped per trace, with the parent/child links the attribution walks. Keyed per trace
 * then per span id (not by a concatenated key): the id strings come from the parser, so their
 * hashes are computed once, which matters at 200,000 spans.
 */
class TraceIndex {
  readonly spansByTrace = new Map<string, ReportSpan[]>();
  private readonly links = new Map<string, TraceLinks>();

  constructor(spans: readonly ReportSpan[]) {
    for (const span of spans) {
      let trace = this.links.get(span.traceId);
      if (!trace) {
        trace = { byId: new Map(), children: new Map() };
        this.links.set(span.traceId, trace);
        this.spansByTrace.set(span.traceId, []);
      }
      if (trace.byId.has(span.spanId)) continue;
      trace.byId.set(span.spanId, span);
      this.spansByTrace.get(span.traceId)!.push(span);
      if (span.parentSpanId) {
        const siblings = trace.children.get(span.parentSpanId);
        if (siblings) siblings.push(span);
        else trace.children.set(span.parentSpanId, [span]);
      }
    }
  }

  parentOf(span: ReportSpan): ReportSpan | undefined {
    return span.parentSpanId ? this.links.get(span.traceId)?.byId.get(span.parentSpanId) : undefined;
  }

  childrenOf(span: ReportSpan): ReportSpan[] {
    return this.links.get(span.traceId)?.children.get(span.spanId) ?? [];
  }

  rootOf(span: ReportSpan): ReportSpan {
    let current = span;
    for (let parent = this.parentOf(current); parent; parent = this.parentOf(current)) current = parent;
    return current;
  }
}

/** Whether a span belongs to this order: it carries the order's id, or no order id at all. */
const ofOrder = (orderId: string) => (span: ReportSpan) => span.orderId === undefined || span.orderId === orderId;

/** Spans whose kind says they are a call out of the service: the call names itself. */
const CALL_KINDS: ReadonlySet<string | undefined> = new Set(["client", "producer"]);
/** Spans whose kind says the service serves a request or a message there. */
const ENTRY_KINDS: ReadonlySet<string | undefined> = new Set(["server", "consumer"]);

/**
 * The operation a person recognises for a span: a call out of the service (an S3 request, a
 * publish) by the call itself; any other span (Express's `request handler`, a middleware, an
 * internal step) by the request or message it served, i.e. its nearest enclosing server or consumer
 * span in the same service: `POST /orders/:id/start`, `mes.work-orders process`. A span's request
 * name comes from its attributes (`requestName` in spans.ts); its span name is the fallback.
 */
export function operationName(index: Pick<TraceIndex, "parentOf">, span: ReportSpan): string {
  if (CALL_KINDS.has(span.kind) && !span.housekeeping) return span.request ?? span.operation;
  for (let s: ReportSpan | undefined = span; s && s.service === span.service; s = index.parentOf(s)) {
    if (ENTRY_KINDS.has(s.kind)) return s.request ?? s.operation;
  }
  return span.request ?? span.operation;
}

/** Status texts that name no cause: an SDK's catch-all, not what went wrong. */
const UNINFORMATIVE_ERRORS: ReadonlySet<string> = new Set(["unknownerror", "unknown", "error", "undefined", ""]);

/**
 * The error of a failing span as support reads it: the recorded exception type and the HTTP
 * response code first (`NoSuchKey (HTTP 404)`), then the status description where it says more
 * (`TypeError (HTTP 500): Cannot read properties of undefined`). A catch-all description such as
 * `UnknownError` is shown only when the span says nothing else. The failing span's enclosing spans
 * in the same service that failed with it fill in what it lacks (the server span's response code).
 */
export function errorText(index: Pick<TraceIndex, "parentOf">, span: ReportSpan): string | null {
  let errorType: string | undefined;
  let httpStatus: number | undefined;
  let description: string | undefined;
  for (let s: ReportSpan | undefined = span; s && s.service === span.service && s.failed; s = index.parentOf(s)) {
    errorType ??= s.errorType;
    httpStatus ??= s.httpStatus;
    description ??= s.error?.trim() || undefined;
    if (ENTRY_KINDS.has(s.kind)) break;
  }
  const code = httpStatus === undefined ? "" : `HTTP ${httpStatus}`;
  const informative =
    description !== undefined && !UNINFORMATIVE_ERRORS.has(description.toLowerCase()) ? description : undefined;
  if (errorType) {
    const head = code ? `${errorType} (${code})` : errorType;
    if (!informative || informative === errorType) return head;
    // A description that starts with the type ("NoSuchKey: The specified key…") already names it.
    return informative.startsWith(errorType)
      ? code
        ? `${informative} (${code})`
        : informative
      : `${head}: ${informative}`;
  }
  if (informative) return code ? `${informative} (${code})` : informative;
  return code || description || null;
}

/**
 * The order's traces from the one that set its current status on (that trace, and those that
 * started at or after it).
 */
function tracesSinceStatus(index: TraceIndex, orderTraceIds: readonly string[], current: Transition): string[] {
  const statusTrace = current.span.traceId;
  const traceStart = (traceId: string) => {
    let start = Infinity;
    for (const span of index.spansByTrace.get(traceId) ?? []) if (span.startMs < start) start = span.startMs;
    return start;
  };
  const statusTraceStart = traceStart(statusTrace);
  return orderTraceIds.filter((id) => id === statusTrace || traceStart(id) >= statusTraceStart);
}

/**
 * The failure after the order's last status change, if any: the latest failing span on the
 * order's path in the traces since the status was set, taking the innermost failure (its parents
 * usually fail only because it did).
 */
function failureSinceStatus(index: TraceIndex, orderId: string, traceIds: readonly string[]): ReportSpan | undefined {
  const belongs = ofOrder(orderId);
  return traceIds
    .flatMap((id) => index.spansByTrace.get(id) ?? [])
    .filter((span) => span.failed && belongs(span) && !hasFailedDescendant(index, span))
    .sort((a, b) => b.startMs - a.startMs)[0];
}

/**
 * Spans the walk to a trace's end passes by: a status change only marks a moment, and the broker's
 * housekeeping (an acknowledgement, a wait for confirms: `ReportSpan.housekeeping`) closes work
 * that went on elsewhere.
 */
const marksOnly = (span: ReportSpan): boolean => span.operation === STATUS_CHANGE_SPAN || span.housekeeping === true;

/**
 * The path from the root of the trace that set the status to where that trace ends: from the
 * root, follow the child whose branch was active last (causal order, so clock skew between
 * services cannot reorder parent and child) down to a leaf. Status-change spans and the broker's
 * housekeeping are passed by (`marksOnly`): CRM publishing the work order and then recording
 * SENT_TO_MES ends at the publish, the last thing it did; MES acknowledging the work order after
 * publishing its status event ends where that event went.
 */
function pathToTraceEnd(index: TraceIndex, orderId: string, current: Transition): ReportSpan[] {
  const belongs = ofOrder(orderId);
  // A branch's latest activity: the latest start anywhere below it. Siblings often start in the
  // same millisecond (an Express middleware and the handler it calls), so the branch where work
  // went on last is the one to follow, not merely the sibling that started last.
  const latest = new Map<ReportSpan, number>();
  const latestActivity = (span: ReportSpan): number => {
    let value = latest.get(span);
    if (value === undefined) {
      value = Math.max(span.startMs, ...index.childrenOf(span).filter(belongs).map(latestActivity));
      latest.set(span, value);
    }
    return value;
  };
  const path = [index.rootOf(current.span)];
  for (;;) {
    const next = index
      .childrenOf(path[path.length - 1])
      .filter((span) => belongs(span) && !marksOnly(span))
      .sort((a, b) => latestActivity(a) - latestActivity(b) || a.startMs - b.startMs)
      .at(-1);
    if (!next) return path;
    path.push(next);
  }
}

/**
 * The last thing `service` did on the order's path: its last span on the walk to the trace's end,
 * else its latest span in the order's traces since the status was set (status changes aside).
 */
function lastSpanOf(
  index: TraceIndex,
  orderId: string,
  service: string,
  path: readonly ReportSpan[],
  traceIds: readonly string[],
): ReportSpan | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (path[i].service === service) return path[i];
  const belongs = ofOrder(orderId);
  return traceIds
    .flatMap((id) => index.spansByTrace.get(id) ?? [])
    .filter((span) => span.service === service && belongs(span) && !marksOnly(span))
    .sort((a, b) => b.startMs - a.startMs)[0];
}

interface Attribution extends ServiceOperation {
  reason: HoldReason;
  error: string | null;
  traceEnd: ServiceOperation;
  traceId: string;
}

/** Who holds a stuck order and why: the rule of HOLD_REASONS, applied to its spans. */
function attribute(
  index: TraceIndex,
  orderId: string,
  orderTraceIds: readonly string[],
  current: Transition,
  statusOwners: Readonly<Record<string, string>>,
): Attribution {
  const traceIds = tracesSinceStatus(index, orderTraceIds, current);
  const path = pathToTraceEnd(index, orderId, current);
  const end = path[path.length - 1];
  const traceEnd = { service: end.service, operation: operationName(index, end) };

  const failure = failureSinceStatus(index, orderId, traceIds);
  if (failure) {
    return {
      service: failure.service,
      operation: operationName(index, failure),
      reason: "failed",
      error: errorText(index, failure),
      traceEnd,
      traceId: failure.traceId,
    };
  }
  const configured = Object.hasOwn(statusOwners, current.status) ? statusOwners[current.status] : undefined;
  const owner = configured ?? current.span.service;
  const last = lastSpanOf(index, orderId, owner, path, traceIds);
  return {
    service: owner,
    operation: last ? operationName(index, last) : "",
    reason: configured === undefined ? "recorded-status" : "configured-owner",
    error: null,
    traceEnd,
    traceId: current.span.traceId,
  };
}

function hasFailedDescendant(index: TraceIndex, span: ReportSpan): boolean {
  return index.childrenOf(span).some((child) => child.failed || hasFailedDescendant(index, child));
}

/**
 * Per service: the entry spans (where the order path entered the service: a root, or a span whose
 * parent ran in another service) and the time the service itself spent, which is each entry
 * span's duration minus the part of it covered by the calls it made into other services. The
 * service's own client spans (S3, the broker) stay in its time, since those systems are traced
 * from the client side.
 */
function serviceRows(index: TraceIndex, orderTraceIds: ReadonlySet<string>): ServiceRow[] {
  const durations = new Map<string, number[]>();
  const ownTime = new Map<string, number>();
  for (const traceId of orderTraceIds) {
    const spans = index.spansByTrace.get(traceId) ?? [];
    const entries = spans.filter((span) => {
      const parent = index.parentOf(span);
      return !parent || parent.service !== span.service;
    });
    const entrySet = new Set(entries);
    const callsInto = new Map<ReportSpan, ReportSpan[]>();
    for (const entry of entries) {
      // The nearest enclosing entry span (of another service) is the caller.
      let caller = index.parentOf(entry);
      while (caller && !entrySet.has(caller)) caller = index.parentOf(caller);
      if (!caller) continue;
      const calls = callsInto.get(caller);
      if (calls) calls.push(entry);
      else callsInto.set(caller, [entry]);
    }
    for (const entry of entries) {
      const duration = Math.max(0, entry.endMs - entry.startMs);
      const list = durations.get(entry.service);
      if (list) list.push(duration);
      else durations.set(entry.service, [duration]);
      const covered = coveredTime(entry, callsInto.get(entry) ?? []);
      ownTime.set(entry.service, (ownTime.get(entry.service) ?? 0) + Math.max(0, duration - covered));
    }
  }
  const total = [...ownTime.values()].reduce((sum, t) => sum + t, 0);
  return [...durations.entries()]
    .map(([service, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return {
        service,
        p50Ms: roundMs(percentile(sorted, 0.5)),
        p95Ms: roundMs(percentile(sorted, 0.95)),
        share: total > 0 ? Math.round(((ownTime.get(service) ?? 0) / total) * 10_000) / 10_000 : 0,
        entrySpans: values.length,
      };
    })
    .sort((a, b) => b.share - a.share || a.service.localeCompare(b.service));
}

/** Length of the union of the calls' intervals, clipped to the caller's interval. */
function coveredTime(caller: ReportSpan, calls: readonly ReportSpan[]): number {
  const intervals = calls
    .map((c) => [Math.max(caller.startMs, c.startMs), Math.min(caller.endMs, c.endMs)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = -Infinity;
  for (const [start, end] of intervals) {
    if (end <= reach) continue;
    covered += end - Math.max(start, reach);
    reach = end;
  }
  return covered;
}

/** Ranks statuses worst first: most stuck orders, then the slowest p95, then lifecycle order. */
function worstFirst(a: StatusRow, b: StatusRow): number {
  return (
    b.stuckCount - a.stuckCount ||
    (b.p95Ms ?? -1) - (a.p95Ms ?? -1) ||
    lifecycleRank(a.status) - lifecycleRank(b.status) ||
    a.status.localeCompare(b.status)
  );
}

export function traceUrl(jaegerUiUrl: string, traceId: string): string {
  return `${jaegerUiUrl.replace(/\/+$/, "")}/trace/${traceId}`;
}

/**
 * Builds the report from every span fetched for the window. An order is judged by its status
 * changes inside the window; orders seen only through other spans (a status lookup of an old
 * order) have no status to judge and count only toward the services' times.
 */
export function buildReport(spans: readonly ReportSpan[], options: ReportOptions): OrderReport {
  const index = new TraceIndex(spans);
  const spansByOrder = new Map<string, ReportSpan[]>();
  for (const traceSpans of index.spansByTrace.values()) {
    for (const span of traceSpans) {
      if (span.orderId === undefined) continue;
      const orderSpans = spansByOrder.get(span.orderId);
      if (orderSpans) orderSpans.push(span);
      else spansByOrder.set(span.orderId, [span]);
    }
  }

  const stayTimes = new Map<string, number[]>();
  const entered = new Map<string, number>();
  const current = new Map<string, number>();
  const stuckCount = new Map<string, number>();
  const stuck: StuckOrder[] = [];
  const orderTraceIds = new Set<string>();
  let orders = 0;

  for (const [orderId, orderSpans] of spansByOrder) {
    const traceIds = [...new Set(orderSpans.map((s) => s.traceId))];
    for (const id of traceIds) orderTraceIds.add(id);
    const chain = orderTransitions(orderSpans.filter((s) => s.operation === STATUS_CHANGE_SPAN));
    if (chain.length === 0) continue;
    orders++;
    for (const stay of staysOf(chain)) {
      entered.set(stay.status, (entered.get(stay.status) ?? 0) + 1);
      if (stay.leftAt === undefined) continue;
      // Clock skew can put the next change "before" this one; causally the stay was just short.
      const time = Math.max(0, stay.leftAt - stay.enteredAt);
      const times = stayTimes.get(stay.status);
      if (times) times.push(time);
      else stayTimes.set(stay.status, [time]);
    }
    const last = chain[chain.length - 1];
    current.set(last.status, (current.get(last.status) ?? 0) + 1);
    const inStatusMs = Math.max(0, options.now - last.at);
    if (TERMINAL.has(last.status) || inStatusMs <= options.stuckAfterMs) continue;
    stuckCount.set(last.status, (stuckCount.get(last.status) ?? 0) + 1);
    const held = attribute(index, orderId, traceIds, last, options.statusOwners ?? {});
    const traceId = fullTraceId(held.traceId);
    stuck.push({
      orderId,
      status: last.status,
      since: new Date(last.at).toISOString(),
      stuckForMs: Math.round(inStatusMs),
      service: held.service,
      operation: held.operation,
      reason: held.reason,
      error: held.error,
      traceEnd: held.traceEnd,
      traceId,
      traceUrl: traceUrl(options.jaegerUiUrl, held.traceId),
      logsUrl:
        options.logsUrlTemplate === undefined
          ? null
          : buildLogsUrl(options.logsUrlTemplate, {
              traceId,
              orderId,
              service: held.service,
              // From the order's first span (a minute earlier, for clock skew) to the report's moment.
              from: new Date(
                orderSpans.reduce((min, s) => Math.min(min, s.startMs), Infinity) - LOGS_RANGE_MARGIN_MS,
              ).toISOString(),
              to: new Date(options.now).toISOString(),
            }),
    });
  }

  const byStatus: StatusRow[] = [...entered.keys()]
    .map((status) => {
      const times = (stayTimes.get(status) ?? []).sort((a, b) => a - b);
      return {
        status,
        stuckCount: stuckCount.get(status) ?? 0,
        p50Ms: roundMs(percentile(times, 0.5)),
        p95Ms: roundMs(percentile(times, 0.95)),
        entered: entered.get(status) ?? 0,
        current: current.get(status) ?? 0,
        distribution: distribution(times),
      };
    })
    .sort(worstFirst);

  return {
    orders,
    traces: orderTraceIds.size,
    stuck: stuck.sort((a, b) => b.stuckForMs - a.stuckForMs || a.orderId.localeCompare(b.orderId)),
    byStatus,
    byService: serviceRows(index, orderTraceIds),
  };
}
