package example.mes;

import java.util.Map;

/**
 * MES's fixed material catalogue, as in the Node.js MES (src/mes/catalogue.ts). It is older than
 * the shop's (the shop also sells TPU) and MES never checks a work order's material against it when
 * it accepts the order: the deliberate, documented defect of the reference system. An order in a
 * material outside this list is ACCEPTED and then fails when production starts, and stays ACCEPTED.
 */
public final class Catalogue {
  public record MaterialProfile(int nozzleTemperatureC, int bedTemperatureC, double layerHeightMm) {}

  public record PrintJob(
      String orderId, int copies, int nozzleTemperatureC, int bedTemperatureC, double layerHeightMm) {}

  static final Map<String, MaterialProfile> MATERIALS =
      Map.of(
          "PLA", new MaterialProfile(210, 60, 0.2),
          "PETG", new MaterialProfile(240, 80, 0.2),
          "ABS", new MaterialProfile(250, 100, 0.2),
          "PA12", new MaterialProfile(260, 90, 0.15));

  private Catalogue() {}

  /** Plans the print job of an order. The defect: an unknown material throws a NullPointerException. */
  public static PrintJob planPrintJob(String orderId, String material, int quantity) {
    MaterialProfile profile = MATERIALS.get(material);
    return new PrintJob(
        orderId,
        quantity,
        profile.nozzleTemperatureC(),
        profile.bedTemperatureC(),
        profile.layerHeightMm());
  }
}
