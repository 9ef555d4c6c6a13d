/**
 * A small client of the reference order system's HTTP APIs (../shared/DESIGN.md, "Reference order
 * system HTTP API"), for the scenarios: what a customer, a CRM operator and an MES operator do.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { SandboxEndpoints } from "./endpoints";
import { ORDER_ID_BAGGAGE_KEY } from "../../contract/trace";

export interface OrderRequest {
  customer: { name: string; email: string; phone: string; address: string };
  model: { fileName: string; content: string };
  material: string;
  quantity: number;
}

export interface StatusView {
  orderId: string;
  status: string;
  statusChangedAt: string;
}

export interface Answer {
  httpStatus: number;
  body: Record<string, unknown>;
}

const REQUEST_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 200;

async function call(
  method: "GET" | "POST",
  url: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...extraHeaders },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { error: text.slice(0, 200) };
  }
  return { httpStatus: response.status, body: parsed };
}

/** The W3C baggage header that carries an order id (DESIGN.md: `order.id` travels as baggage). */
export function orderBaggage(orderId: string): Record<string, string> {
  return { baggage: `${ORDER_ID_BAGGAGE_KEY}=${encodeURIComponent(orderId)}` };
}

export class OrderPath {
  constructor(private readonly endpoints: Pick<SandboxEndpoints, "shop" | "crm" | "mes">) {}

  /** A customer places an order in the shop; the shop's answer as it is (`201 {"orderId","status"}`). */
  place(order: OrderRequest): Promise<Answer> {
    return call("POST", `${this.endpoints.shop}/orders`, order);
  }

  /** A customer places an order in the shop; returns the new order's id. */
  async placeOrder(order: OrderRequest): Promise<string> {
    const answer = await this.place(order);
    const orderId = answer.body.orderId;
    if (answer.httpStatus !== 201 || typeof orderId !== "string") {
      throw new Error(`the shop refused the order: HTTP ${answer.httpStatus} ${String(answer.body.error ?? "")}`);
    }
    return orderId;
  }

  approve(orderId: string): Promise<Answer> {
    return call("POST", `${this.endpoints.crm}/orders/${orderId}/approve`);
  }

  /**
   * The MES operator's calls carry the order as W3C baggage, as an operator tool instrumented with
   * OpenTelemetry sends it: a MES without our bundle (the JVM MES and its Java agent) then puts
   * `order.id` on every span of the request, the status event it publishes included. Without it the
   * collector still derives `order.id` for MES's server span from the path (docs/non-node-services.md).
   */
  startProduction(orderId: string): Promise<Answer> {
    return call("POST", `${this.endpoints.mes}/orders/${orderId}/start`, undefined, orderBaggage(orderId));
  }

  completeProduction(orderId: string): Promise<Answer> {
    return call("POST", `${this.endpoints.mes}/orders/${orderId}/complete`, undefined, orderBaggage(orderId));
  }

  ship(orderId: string): Promise<Answer> {
    return call("POST", `${this.endpoints.crm}/orders/${orderId}/ship`);
  }

  deliver(orderId: string): Promise<Answer> {
    return call("POST", `${this.endpoints.crm}/orders/${orderId}/deliver`);
  }

  /** The order's status as the customer sees it (the shop asks CRM). */
  async status(orderId: string): Promise<StatusView> {
    const answer = await call("GET", `${this.endpoints.shop}/orders/${orderId}`);
    if (answer.httpStatus !== 200)
      throw new Error(`the shop does not know order ${orderId} (HTTP ${answer.httpStatus})`);
    return answer.body as unknown as StatusView;
  }

  /** CRM's view of the order, polled until it reaches `status` or `timeoutMs` passes. */
  async waitForStatus(orderId: string, status: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let current = "";
    for (;;) {
      const answer = await call("GET", `${this.endpoints.crm}/orders/${orderId}`);
      current = String(answer.body.status ?? `HTTP ${answer.httpStatus}`);
      if (current === status || Date.now() > deadline) return current;
      await delay(POLL_INTERVAL_MS);
    }
  }
}
