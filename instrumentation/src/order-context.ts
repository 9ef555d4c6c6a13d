import {
  Context,
  propagation,
  Span,
  TextMapGetter,
  TextMapPropagator,
  TextMapSetter,
  trace,
  Baggage,
} from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { asOrderId } from "./match";
import { ORDER_ID_KEY } from "../../contract/trace";

/** The W3C baggage header (what W3CBaggagePropagator writes). */
const BAGGAGE_HEADER = "baggage";

/**
 * Order context without code changes.
 *
 * Every local span tree (a request, a consumed message) shares one mutable "order slot". Whoever
 * learns the order id first (a route rule, a message-body rule, the incoming baggage, the status
 * API) fills the slot; from then on:
 * - spans that start in the tree get `order.id` at start;
 * - spans that already ran get it at export (the exporter asks `orderIdOf`), so even the server
 *   span of `POST /orders`, whose id is only known inside the handler, carries it;
 * - calls leaving the process carry it as W3C baggage (the propagator adds it on inject).
 * The slot lives in a WeakMap keyed by span, so it never changes the application's context and
 * is collected with the spans.
 */

interface OrderSlot {
  orderId?: string;
}

export class OrderContext {
  private readonly slots = new WeakMap<object, OrderSlot>();
  /** The allow-listed baggage keys other than the order id: they become attributes as they are. */
  private readonly extraBaggageKeys: readonly string[];

  constructor(baggageAllowList: readonly string[]) {
    this.extraBaggageKeys = baggageAllowList.filter((key) => key !== ORDER_ID_KEY);
  }

  /** Called when a span starts: join the parent's slot, or open one seeded from baggage. */
  adopt(span: Span, parentContext: Context): void {
    const parent = trace.getSpan(parentContext);
    let slot = parent ? this.slots.get(parent) : undefined;
    // Baggage is read once, and only where it can matter: a root of the local tree, or an
    // allow-list with keys besides the order id (most spans have a parent slot and need neither).
    const baggage = !slot || this.extraBaggageKeys.length > 0 ? propagation.getBaggage(parentContext) : undefined;
    slot ??= { orderId: asOrderId(baggage?.getEntry(ORDER_ID_KEY)?.value) };
    this.slots.set(span, slot);
    if (slot.orderId !== undefined) span.setAttribute(ORDER_ID_KEY, slot.orderId);
    if (!baggage) return;
    // Other allow-listed baggage keys become attributes as they are; nothing else does.
    for (const key of this.extraBaggageKeys) {
      const entry = baggage.getEntry(key);
      if (entry) span.setAttribute(key, entry.value);
    }
  }

  /** Records the order of the tree `span` belongs to; the first order seen in a tree wins. */
  assign(span: Span | undefined, orderId: string): void {
    if (!span) return;
    let slot = this.slots.get(span);
    if (!slot) {
      slot = {};
      this.slots.set(span, slot);
    }
    slot.orderId ??= orderId;
    span.setAttribute(ORDER_ID_KEY, slot.orderId);
  }

  /** The order id known for a span's tree (at export time, for spans that ended before it was known). */
  orderIdOf(span: object): string | undefined {
    return this.slots.get(span)?.orderId;
  }
}

/** The span processor that puts every new span into its tree's order slot. */
export class OrderContextSpanProcessor implements SpanProcessor {
  constructor(private readonly orderContext: OrderContext) {}

  onStart(span: Span, parentContext: Context): void {
    try {
      this.orderContext.adopt(span, parentContext);
    } catch {
      // Never let order context break span creation.
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * W3C baggage limited to the allow-list, in both directions, plus the order id of the current
 * tree on inject when the context's baggage lacks it. Foreign baggage keys neither enter nor
 * leave the process through us (they could carry personal data).
 */
export class OrderBaggagePropagator implements TextMapPropagator {
  constructor(
    /** W3C trace context and W3C baggage (the baggage header inject writes directly is the latter's). */
    private readonly inner: TextMapPropagator,
    private readonly orderContext: OrderContext,
    private readonly allowList: readonly string[],
  ) {}

  private filtered(baggage: Baggage | undefined): Baggage | undefined {
    if (!baggage) return undefined;
    let result = baggage;
    for (const [key] of baggage.getAllEntries()) {
      if (!this.allowList.includes(key)) result = result.removeEntry(key);
    }
    return result;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    let baggage = this.filtered(propagation.getBaggage(context));
    const span = trace.getSpan(context);
    const orderId = span ? this.orderContext.orderIdOf(span) : undefined;
    const addOrderId = orderId !== undefined && this.allowList.includes(ORDER_ID_KEY);
    if (addOrderId && !baggage) {
      // The common case (no baggage came in, the tree knows its order): the header the W3C baggage
      // propagator would write for this one entry, without building a baggage and a context for it.
      this.inner.inject(context, carrier, setter);
      if (!isTracingSuppressed(context))
        setter.set(carrier, BAGGAGE_HEADER, `${ORDER_ID_KEY}=${encodeURIComponent(orderId)}`);
      return;
    }
    if (addOrderId && !baggage?.getEntry(ORDER_ID_KEY)) {
      baggage = (baggage ?? propagation.createBaggage()).setEntry(ORDER_ID_KEY, { value: orderId });
    }
    // No baggage left means the context had none: it goes out as it is, without a copy.
    const outgoing = baggage ? propagation.setBaggage(context, baggage) : context;
    this.inner.inject(outgoing, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.inner.extract(context, carrier, getter);
    const baggage = this.filtered(propagation.getBaggage(extracted));
    return baggage ? propagation.setBaggage(extracted, baggage) : extracted;
  }

  fields(): string[] {
    return this.inner.fields();
  }
}

/**
 * The last status this process saw per order, to fill `order.previous_status` when a status
 * event does not say it. Bounded: the oldest entries go first.
 */
export class LastStatusMemory {
  private readonly entries = new Map<string, string>();

  constructor(private readonly capacity = 10_000) {}

  get(orderId: string): string | undefined {
    return this.entries.get(orderId);
  }

  set(orderId: string, status: string): void {
    this.entries.delete(orderId);
    this.entries.set(orderId, status);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
