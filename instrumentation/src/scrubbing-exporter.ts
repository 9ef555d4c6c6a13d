import type { Attributes as OtelAttributes } from "@opentelemetry/api";
import { ExportResult, ExportResultCode } from "@opentelemetry/core";
import { Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, SpanExporter, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { ORDER_ID_KEY } from "../../contract/trace";
import { Attributes, scrubAttributes, scrubText } from "./scrub";
import { describe, warnOnce } from "./warn";

/**
 * The exporter wrapper every span passes through on its way out:
 * - scrubs attributes, events, links, status messages, span names and the resource (scrub.ts);
 * - adds `order.id` to spans that ended before their tree's order was known.
 * Export failures are the resilient exporter's business (resilient-exporter.ts), above this one.
 */

/** Most spans have no events or links: their copies share these (frozen: nobody adds to them). */
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
const NO_LINKS: ReadableSpan["links"] = Object.freeze([]) as unknown as ReadableSpan["links"];

export class ScrubbingSpanExporter implements SpanExporter {
  private readonly scrubbedResources = new WeakMap<Resource, Resource>();

  constructor(
    private readonly inner: SpanExporter,
    private readonly orderIdOf: (span: object) => string | undefined,
    /** Baggage keys configured to become attributes; kept like allow-listed keys. */
    private readonly extraAllowedKeys: readonly string[] = [],
  ) {}

  private scrub(attributes: OtelAttributes): OtelAttributes {
    return scrubAttributes(attributes as Attributes, this.extraAllowedKeys) as OtelAttributes;
  }

  private scrubEvents(events: TimedEvent[]): TimedEvent[] {
    if (events.length === 0) return NO_EVENTS;
    return events.map((event) => ({
      ...event,
      name: scrubText(event.name),
      attributes: event.attributes ? this.scrub(event.attributes) : undefined,
    }));
  }

  private scrubResource(resource: Resource): Resource {
    let scrubbed = this.scrubbedResources.get(resource);
    if (!scrubbed) {
      scrubbed = resourceFromAttributes(this.scrub(resource.attributes), {
        schemaUrl: resource.schemaUrl,
      });
      this.scrubbedResources.set(resource, scrubbed);
    }
    return scrubbed;
  }

  /** A scrubbed copy of a span; the original is left as the SDK owns it. */
  scrubSpan(span: ReadableSpan): ReadableSpan {
    const attributes = this.scrub(span.attributes);
    if (attributes[ORDER_ID_KEY] === undefined) {
      const orderId = this.orderIdOf(span);
      if (orderId !== undefined) attributes[ORDER_ID_KEY] = orderId;
    }
    const spanContext = span.spanContext();
    return {
      name: scrubText(span.name),
      kind: span.kind,
      spanContext: () => spanContext,
      parentSpanContext: span.parentSpanContext,
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status.message ? { ...span.status, message: scrubText(span.status.message) } : span.status,
      attributes,
      links:
        span.links.length === 0
          ? NO_LINKS
          : span.links.map((link) => ({ context: link.context, droppedAttributesCount: link.droppedAttributesCount })),
      events: this.scrubEvents(span.events),
      duration: span.duration,
      ended: span.ended,
      resource: this.scrubResource(span.resource),
      instrumentationScope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let scrubbed: ReadableSpan[];
    try {
      scrubbed = spans.map((span) => this.scrubSpan(span));
    } catch (error) {
      // Never export what we could not scrub.
      warnOnce("scrub", `dropped ${spans.length} spans that could not be scrubbed: ${describe(error)}`);
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    this.inner.export(scrubbed, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }
}
