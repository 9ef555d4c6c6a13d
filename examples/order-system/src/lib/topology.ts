/**
 * Names shared by the services: the two broker queues between CRM and MES and the layout of the
 * models bucket. Defined once so CRM, MES, the sandbox and the tests agree.
 */
export const QUEUES = {
  /** CRM → MES: approved orders to manufacture (WorkOrder JSON). */
  workOrders: "mes.work-orders",
  /** MES → CRM: status changes made by MES (StatusEvent JSON). */
  statusEvents: "crm.order-status",
} as const;

/** Where Shop stores an order's model source and MES reads it from. */
export function modelKey(orderId: string, fileName: string): string {
  return `${MODEL_PREFIX}${orderId}/${fileName}`;
}

export const MODEL_PREFIX = "models/";
