package example.mes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * MES API on the JVM, the third-party manufacturing system of the reference order system: the same
 * HTTP API, queues, status events and material defect as the Node.js MES (src/mes/app.ts). It takes
 * work orders from the broker, fetches each order's model from S3, and reports every status change
 * back to CRM as a status event. It has no tracing code at all: the OpenTelemetry Java agent
 * (JAVA_TOOL_OPTIONS=-javaagent:...) traces it, as the prod stack's injection sets it up.
 *
 * <p>Environment: PORT (8082), HOST (0.0.0.0), AMQP_URL, MODELS_BUCKET, S3_ENDPOINT (an
 * S3-compatible server, path-style; without it AWS S3), AWS_REGION and the standard AWS credentials.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger("mes");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WORK_ORDERS = "mes.work-orders";
  private static final String STATUS_EVENTS = "crm.order-status";
  private static final Pattern ORDER_PATH = Pattern.compile("^/orders/([^/]+)(?:/(start|complete))?/?$");
  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final Orders orders = new Orders();
  private final Broker broker;
  private final S3Client s3;
  private final String bucket;

  private Main(Broker broker, S3Client s3, String bucket) {
    this.broker = broker;
    this.s3 = s3;
    this.bucket = bucket;
  }

  public static void main(String[] args) throws Exception {
    String bucket = required("MODELS_BUCKET");
    String amqpUrl = required("AMQP_URL");
    int port = Integer.parseInt(env("PORT", "8082"));
    String host = env("HOST", "0.0.0.0");

    S3Client s3 = s3Client();
    Broker broker = Broker.connect(amqpUrl, List.of(WORK_ORDERS, STATUS_EVENTS));
    Main mes = new Main(broker, s3, bucket);
    broker.consume(WORK_ORDERS, mes::onWorkOrder);

    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    ExecutorService workers = Executors.newFixedThreadPool(8);
    server.setExecutor(workers);
    server.createContext("/orders/", mes::handle);
    server.start();
    LOG.info("listening on {}:{}", host, port);

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.stop(1);
                  workers.shutdown();
                  broker.close();
                  s3.close();
                }));
  }

  private static S3Client s3Client() {
    var builder =
        S3Client.builder()
            .httpClient(UrlConnectionHttpClient.create())
            .region(Region.of(env("AWS_REGION", "us-east-1")))
            .credentialsProvider(DefaultCredentialsProvider.builder().build());
    String endpoint = System.getenv("S3_ENDPOINT");
    if (endpoint != null && !endpoint.isEmpty()) {
      builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
    }
    return builder.build();
  }

  // --- the broker side ------------------------------------------------------------------------

  /** A work order from CRM: fetching its model is what "accepted" means. */
  private void onWorkOrder(byte[] body) throws Exception {
    JsonNode work = JSON.readTree(body);
    String orderId = text(work, "orderId");
    String material = text(work, "material");
    String modelKey = text(work, "modelKey");
    JsonNode quantity = work == null ? null : work.get("quantity");
    if (orderId == null || material == null || modelKey == null || quantity == null || !quantity.canConvertToInt()
        || quantity.asInt() < 1) {
      throw new IllegalArgumentException("malformed work order");
    }
    if (orders.get(orderId) != null) {
      LOG.warn("work order received twice: {}", orderId);
      return;
    }
    // A missing model (a bucket cleanup deleted it) throws here (NoSuchKeyException): the work
    // order is rejected and the order never reaches ACCEPTED.
    long bytes;
    try (InputStream model = s3.getObject(GetObjectRequest.builder().bucket(bucket).key(modelKey).build())) {
      bytes = model.readAllBytes().length;
    }
    Orders.Order order = new Orders.Order(orderId, material, quantity.asInt(), modelKey, bytes);
    moveAndReport(order, OrderStatus.ACCEPTED, () -> {});
    orders.add(order);
  }

  /** The event goes out first: if the broker is down the order keeps its status and the caller retries. */
  private void moveAndReport(Orders.Order order, OrderStatus to, Runnable before) throws IOException {
    synchronized (order) {
      Orders.checkMove(order, to);
      before.run();
      Instant now = Instant.now();
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("orderId", order.orderId);
      event.put("status", to.name());
      event.put("previousStatus", order.status.name());
      event.put("changedAt", ISO_MILLIS.format(now));
      broker.publish(STATUS_EVENTS, JSON.writeValueAsBytes(event));
      LOG.info("order {} status changed: {} -> {}", order.orderId, order.status, to);
      order.status = to;
      order.statusChangedAt = now;
    }
  }

  // --- the HTTP side --------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try {
        route(exchange);
      } catch (HttpError e) {
        respond(exchange, e.status, Map.of("error", e.getMessage()));
      } catch (Orders.StatusConflict e) {
        respond(exchange, 409, Map.of("error", e.getMessage(), "status", e.status.name()));
      } catch (Broker.Unavailable e) {
        respond(exchange, 503, Map.of("error", "the message broker is unavailable; retry"));
      } catch (RuntimeException e) {
        // Only the error's type and message: request bodies hold customer data and are never logged.
        LOG.error("request failed: {} {}: {}", exchange.getRequestMethod(), e.getClass().getName(), e.getMessage());
        respond(exchange, 500, Map.of("error", "internal error"));
        // As a servlet container does: after the 500 answer the error goes up to the server.
        throw e;
      }
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    try (InputStream body = exchange.getRequestBody()) {
      // The API takes no request bodies; read (and drop) what a client sent, up to a limit.
      if (body.readNBytes(MAX_BODY_BYTES + 1).length > MAX_BODY_BYTES) throw new HttpError(413, "request body too large");
    }
    Matcher match = ORDER_PATH.matcher(exchange.getRequestURI().getPath());
    if (!match.matches()) throw new HttpError(404, "not found");
    String method = exchange.getRequestMethod();
    String action = match.group(2);
    Orders.Order order = orders.get(match.group(1));
    if (action == null && method.equals("GET")) {
      respond(exchange, 200, require(order).view());
    } else if ("start".equals(action) && method.equals("POST")) {
      Orders.Order started = require(order);
      moveAndReport(
          started,
          OrderStatus.IN_PRODUCTION,
          () -> started.printJob = Catalogue.planPrintJob(started.orderId, started.material, started.quantity));
      respond(exchange, 200, started.view());
    } else if ("complete".equals(action) && method.equals("POST")) {
      moveAndReport(require(order), OrderStatus.MANUFACTURED, () -> {});
      respond(exchange, 200, order.view());
    } else {
      throw new HttpError(404, "not found");
    }
  }

  private static Orders.Order require(Orders.Order order) {
    if (order == null) throw new HttpError(404, "no such order");
    return order;
  }

  private static void respond(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("content-type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A known error: its status and a short message are the answer. */
  private static final class HttpError extends RuntimeException {
    final int status;

    HttpError(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  // --- small helpers --------------------------------------------------------------------------

  private static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isEmpty() ? fallback : value;
  }

  private static String required(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(name + " is not set: the MES needs it (see the class comment of example.mes.Main)");
    }
    return value;
  }
}
