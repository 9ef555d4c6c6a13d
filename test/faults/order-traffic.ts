/**
 * Steady order traffic through the sandbox for the fault suite: a new order every `intervalMs`, each
 * walked along the whole path as a customer and the operators would (place, approve, start, complete,
 * ship, deliver), retrying a step that a service refuses with 503, as its answer asks. Every request
 * is recorded with when it was sent and answered, so a test can judge each answer against what was
 * broken at that moment.
 */
import { sleep } from "../support/measure";
import { fakeCustomer, fakeModel } from "../../cli/local/fake-customers";
import { OrderPath, type Answer } from "../../cli/local/order-path";
import type { SandboxEndpoints } from "../../cli/local/endpoints";

export type Step = "place" | "approve" | "start" | "complete" | "ship" | "deliver";

/** The steps whose service must reach the broker to do them (they publish). */
export const BROKER_STEPS = ["approve", "start", "complete"] as const;
export type BrokerStep = (typeof BROKER_STEPS)[number];

export function isBrokerStep(step: Step): step is BrokerStep {
  return (BROKER_STEPS as readonly Step[]).includes(step);
}

export interface RequestRecord {
  step: Step;
  /** Absent for a `place` the shop did not answer with an order id. */
  orderId?: string;
  sentAt: number;
  answeredAt: number;
  /** Absent when no answer came (timeout, connection refused): `error` says what happened. */
  httpStatus?: number;
  error?: string;
}

export interface WalkedOrder {
  orderId: string;
  placedAt: number;
  /** CRM's status of the order when its walk ended. */
  status: string;
  /** Where the walk stopped before DELIVERED: the status CRM never reached, or the refused step. */
  stuck?: string;
}

/** Each step, the service's answer to it, and the status CRM must reach before the next step. */
const WALK: ReadonlyArray<{ step: Exclude<Step, "place">; waitFor?: string }> = [
  { step: "approve", waitFor: "ACCEPTED" },
  { step: "start" },
  { step: "complete", waitFor: "MANUFACTURED" },
  { step: "ship" },
  { step: "deliver", waitFor: "DELIVERED" },
];
const MATERIALS = ["PLA", "PETG", "ABS"];
/** How often an operator tries again after a 503. */
const RETRY_MS = 1_000;

export interface TrafficOptions {
  intervalMs: number;
  /** How long the operators take before each step (production and shipping take a while). */
  stepPauseMs: number;
  /** How long a step is retried after 503s before the walk gives up on it. */
  retryForMs: number;
  /** How long CRM may take to show the status a step leads to (MES reports back over the broker). */
  statusWaitMs: number;
}

export class OrderTraffic {
  readonly requests: RequestRecord[] = [];
  readonly orders: WalkedOrder[] = [];
  private readonly path: OrderPath;
  private readonly walks: Array<Promise<unknown>> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    endpoints: Pick<SandboxEndpoints, "shop" | "crm" | "mes">,
    private readonly options: TrafficOptions,
  ) {
    this.path = new OrderPath(endpoints);
  }

  /** Starts placing orders, one now and one every `intervalMs`. */
  start(): void {
    const next = (): void => {
      this.walks.push(this.walk(this.walks.length));
      this.timer = setTimeout(next, this.options.intervalMs);
    };
    next();
  }

  /** Places one order and walks it; resolves with it once its walk has ended. */
  async walkOne(): Promise<WalkedOrder | undefined> {
    const walk = this.walk(this.walks.length);
    this.walks.push(walk);
    return walk;
  }

  /** Places no more orders and waits until every walk has ended (each is bounded by the options). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.all(this.walks);
  }

  private async walk(index: number): Promise<WalkedOrder | undefined> {
    const placedAt = Date.now();
    const placed = await this.send("place", undefined, () =>
      this.path.place({
        customer: fakeCustomer(index),
        model: fakeModel(index),
        material: MATERIALS[index % MATERIALS.length],
        quantity: 1 + (index % 3),
      }),
    );
    const orderId = placed?.httpStatus === 201 ? placed.body.orderId : undefined;
    if (typeof orderId !== "string") return undefined;
    const order: WalkedOrder = { orderId, placedAt, status: "CREATED" };
    this.orders.push(order);
    for (const { step, waitFor } of WALK) {
      await sleep(this.options.stepPauseMs);
      const answer = await this.untilNotUnavailable(step, orderId);
      if (answer?.httpStatus !== 200) {
        order.stuck = step;
        break;
      }
      if (waitFor && (await this.path.waitForStatus(orderId, waitFor, this.options.statusWaitMs)) !== waitFor) {
        order.stuck = waitFor;
        break;
      }
    }
    order.status = await this.path.waitForStatus(orderId, "DELIVERED", 0);
    return order;
  }

  /** The step, sent again every second while the service answers 503 (the broker is unavailable). */
  private async untilNotUnavailable(step: Exclude<Step, "place">, orderId: string): Promise<Answer | undefined> {
    const giveUpAt = Date.now() + this.options.retryForMs;
    for (;;) {
      const answer = await this.send(step, orderId, () => this.call(step, orderId));
      if (answer?.httpStatus !== 503 || Date.now() > giveUpAt) return answer;
      await sleep(RETRY_MS);
    }
  }

  private call(step: Exclude<Step, "place">, orderId: string): Promise<Answer> {
    switch (step) {
      case "approve":
        return this.path.approve(orderId);
      case "start":
        return this.path.startProduction(orderId);
      case "complete":
        return this.path.completeProduction(orderId);
      case "ship":
        return this.path.ship(orderId);
      case "deliver":
        return this.path.deliver(orderId);
    }
  }

  /** Sends one request and records it; a request that got no answer is recorded, never thrown. */
  private async send(
    step: Step,
    orderId: string | undefined,
    request: () => Promise<Answer>,
  ): Promise<Answer | undefined> {
    const sentAt = Date.now();
    try {
      const answer = await request();
      const id = orderId ?? (typeof answer.body.orderId === "string" ? answer.body.orderId : undefined);
      this.requests.push({ step, orderId: id, sentAt, answeredAt: Date.now(), httpStatus: answer.httpStatus });
      return answer;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.requests.push({ step, orderId, sentAt, answeredAt: Date.now(), error: message });
      return undefined;
    }
  }
}
