package example.mes;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.impl.ForgivingExceptionHandler;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MES's broker connection: one confirm channel, the queues declared durable, the client library's
 * automatic recovery after a broker restart. Publishing resolves once the broker confirmed the
 * message; while the broker is down it throws {@link Unavailable} and the caller answers 503.
 */
final class Broker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
  private static final long CONFIRM_TIMEOUT_MS = 5_000;
  private static final long FIRST_CONNECT_RETRY_MS = 1_000;

  /** The broker did not take a message. */
  static final class Unavailable extends RuntimeException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Handles one message body; throws to reject it (it is not requeued). */
  interface Handler {
    void handle(byte[] body) throws Exception;
  }

  private final Connection connection;
  private final Channel channel;

  private Broker(Connection connection, Channel channel) {
    this.connection = connection;
    this.channel = channel;
  }

  /** Connects, retrying until the broker answers (MES may start before it). */
  static Broker connect(String amqpUrl, List<String> queues) throws InterruptedException {
    ConnectionFactory factory = new ConnectionFactory();
    try {
      factory.setUri(amqpUrl);
    } catch (Exception e) {
      throw new IllegalArgumentException("AMQP_URL is not an amqp:// URL: " + e.getMessage(), e);
    }
    factory.setAutomaticRecoveryEnabled(true);
    factory.setNetworkRecoveryInterval(1_000);
    // A failing message handler is logged and its message rejected; the channel stays open.
    factory.setExceptionHandler(new ForgivingExceptionHandler());
    for (; ; ) {
      try {
        Connection connection = factory.newConnection("mes");
        Channel channel = connection.createChannel();
        channel.confirmSelect();
        channel.basicQos(10);
        for (String queue : queues) channel.queueDeclare(queue, true, false, false, null);
        LOG.info("connected to the broker, queues {}", queues);
        return new Broker(connection, channel);
      } catch (IOException | java.util.concurrent.TimeoutException e) {
        LOG.warn("broker not reachable ({}); retrying", e.getMessage());
        Thread.sleep(FIRST_CONNECT_RETRY_MS);
      }
    }
  }

  /** Publishes a JSON body to a queue (default exchange) and waits for the broker's confirm. */
  void publish(String queue, byte[] json) {
    AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().contentType("application/json").build();
    synchronized (channel) {
      try {
        channel.basicPublish("", queue, properties, json);
        channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
      } catch (Exception e) {
        throw new Unavailable("the broker did not take the message: " + e.getMessage(), e);
      }
    }
  }

  /** Consumes a queue: a message is acknowledged when the handler returns, rejected when it throws. */
  void consume(String queue, Handler handler) throws IOException {
    channel.basicConsume(
        queue,
        false,
        new DefaultConsumer(channel) {
          @Override
          public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
              throws IOException {
            try {
              handler.handle(body);
              getChannel().basicAck(envelope.getDeliveryTag(), false);
            } catch (Exception e) {
              getChannel().basicNack(envelope.getDeliveryTag(), false, false);
              // Rethrown for the client library's exception handler, which logs it.
              if (e instanceof RuntimeException runtime) throw runtime;
              if (e instanceof IOException io) throw io;
              throw new IOException("message rejected: " + e.getClass().getSimpleName(), e);
            }
          }
        });
  }

  @Override
  public void close() {
    try {
      connection.close(2_000);
    } catch (Exception e) {
      LOG.warn("closing the broker connection: {}", e.getMessage());
    }
  }
}
