import { HttpError } from "./http";
import { OrderStatus, OrderStatusView, StatusConflictError, StatusEvent, canMove } from "./statuses";

/** What every service keeps about an order's status. */
export interface TrackedOrder {
  orderId: string;
  status: OrderStatus;
  statusChangedAt: string;
}

/**
 * In-memory orders of one service. `move` checks the transition against the state machine and
 * returns the change it made, which the service then announces (status event, status API).
 */
export class OrderStore<T extends TrackedOrder> {
  private readonly orders = new Map<string, T>();

  get(orderId: string): T | undefined {
    return this.orders.get(orderId);
  }

  /** The order, or a 404 answer for the request that asked for it. */
  require(orderId: string): T {
    const order = this.orders.get(orderId);
    if (!order) throw new HttpError(404, "no such order");
    return order;
  }

  add(order: T): void {
    this.orders.set(order.orderId, order);
  }

  /** Checks that `orderId` may move to `to`, without changing it: for work that must succeed first. */
  checkMove(order: T, to: OrderStatus): void {
    if (!canMove(order.status, to)) throw new StatusConflictError(order.orderId, order.status, to);
  }

  move(order: T, to: OrderStatus, at: Date = new Date()): StatusEvent {
    this.checkMove(order, to);
    const change: StatusEvent = {
      orderId: order.orderId,
      status: to,
      previousStatus: order.status,
      changedAt: at.toISOString(),
    };
    order.status = to;
    order.statusChangedAt = change.changedAt;
    return change;
  }
}

export function statusView(order: TrackedOrder): OrderStatusView {
  return { orderId: order.orderId, status: order.status, statusChangedAt: order.statusChangedAt };
}
