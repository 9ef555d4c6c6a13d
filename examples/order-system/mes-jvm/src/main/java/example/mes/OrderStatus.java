package example.mes;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The order statuses of the reference system, and the moves its state machine allows. */
public enum OrderStatus {
  CREATED,
  SUBMITTED,
  APPROVED,
  SENT_TO_MES,
  ACCEPTED,
  IN_PRODUCTION,
  MANUFACTURED,
  SHIPPED,
  DELIVERED,
  CANCELLED,
  REJECTED;

  private static final Map<OrderStatus, Set<OrderStatus>> NEXT =
      Map.ofEntries(
          Map.entry(CREATED, EnumSet.of(SUBMITTED, CANCELLED)),
          Map.entry(SUBMITTED, EnumSet.of(APPROVED, CANCELLED, REJECTED)),
          Map.entry(APPROVED, EnumSet.of(SENT_TO_MES, CANCELLED)),
          Map.entry(SENT_TO_MES, EnumSet.of(ACCEPTED, REJECTED)),
          Map.entry(ACCEPTED, EnumSet.of(IN_PRODUCTION, REJECTED)),
          Map.entry(IN_PRODUCTION, EnumSet.of(MANUFACTURED)),
          Map.entry(MANUFACTURED, EnumSet.of(SHIPPED)),
          Map.entry(SHIPPED, EnumSet.of(DELIVERED)),
          Map.entry(DELIVERED, EnumSet.noneOf(OrderStatus.class)),
          Map.entry(CANCELLED, EnumSet.noneOf(OrderStatus.class)),
          Map.entry(REJECTED, EnumSet.noneOf(OrderStatus.class)));

  public boolean canMoveTo(OrderStatus next) {
    return NEXT.get(this).contains(next);
  }
}
