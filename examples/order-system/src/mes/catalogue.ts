/** How MES prints a material: the parameters of a print job. */
export interface MaterialProfile {
  nozzleTemperatureC: number;
  bedTemperatureC: number;
  layerHeightMm: number;
}

/**
 * MES's fixed material catalogue. It is older than the shop's (the shop also sells TPU) and MES
 * never checks a work order's material against it when it accepts the order: that is the deliberate,
 * documented defect of the reference system (README "The reference order system"): an order in a
 * material outside this list is ACCEPTED and then fails when production starts, and stays ACCEPTED.
 */
export const MES_MATERIALS: Readonly<Record<string, MaterialProfile>> = {
  PLA: { nozzleTemperatureC: 210, bedTemperatureC: 60, layerHeightMm: 0.2 },
  PETG: { nozzleTemperatureC: 240, bedTemperatureC: 80, layerHeightMm: 0.2 },
  ABS: { nozzleTemperatureC: 250, bedTemperatureC: 100, layerHeightMm: 0.2 },
  PA12: { nozzleTemperatureC: 260, bedTemperatureC: 90, layerHeightMm: 0.15 },
};

export interface PrintJob {
  orderId: string;
  copies: number;
  nozzleTemperatureC: number;
  bedTemperatureC: number;
  layerHeightMm: number;
}

/** Plans the print job of an order. The defect: an unknown material throws a TypeError here. */
export function planPrintJob(order: { orderId: string; material: string; quantity: number }): PrintJob {
  const profile = MES_MATERIALS[order.material] as MaterialProfile;
  return {
    orderId: order.orderId,
    copies: order.quantity,
    nozzleTemperatureC: profile.nozzleTemperatureC,
    bedTemperatureC: profile.bedTemperatureC,
    layerHeightMm: profile.layerHeightMm,
  };
}
