package example.mes;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** MES's in-memory orders: each with its status, checked against the state machine on every move. */
final class Orders {
  static final class Order {
    final String orderId;
    final String material;
    final int quantity;
    final String modelKey;
    final long modelBytes;
    OrderStatus status;
    Instant statusChangedAt;
    Catalogue.PrintJob printJob;

    Order(String orderId, String material, int quantity, String modelKey, long modelBytes) {
      this.orderId = orderId;
      this.material = material;
      this.quantity = quantity;
      this.modelKey = modelKey;
      this.modelBytes = modelBytes;
      this.status = OrderStatus.SENT_TO_MES;
      this.statusChangedAt = Instant.now();
    }

    synchronized Map<String, Object> view() {
      return Map.of("orderId", orderId, "status", status.name(), "statusChangedAt", statusChangedAt.toString());
    }
  }

  /** A move the state machine does not allow (answered 409). */
  static final class StatusConflict extends RuntimeException {
    final OrderStatus status;

    StatusConflict(String orderId, OrderStatus status, OrderStatus wanted) {
      super("order " + orderId + " is " + status + "; it cannot move to " + wanted);
      this.status = status;
    }
  }

  private final Map<String, Order> orders = new ConcurrentHashMap<>();

  Order get(String orderId) {
    return orders.get(orderId);
  }

  void add(Order order) {
    orders.put(order.orderId, order);
  }

  static void checkMove(Order order, OrderStatus to) {
    if (!order.status.canMoveTo(to)) throw new StatusConflict(order.orderId, order.status, to);
  }
}
