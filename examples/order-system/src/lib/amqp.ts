import * as amqp from "amqplib";
import { Logger, errorMessage } from "./log";

/** What a consumer tells the broker about a message once it is done with it. */
export type Outcome = "ack" | "reject";

export type MessageHandler = (body: unknown) => Promise<Outcome>;

/** The part of the broker the services use: publish JSON, consume JSON. Tests use a stand-in. */
export interface OrderBroker {
  publish(queue: string, body: object): Promise<void>;
  consume(queue: string, handler: MessageHandler): Promise<void>;
}

/** Raised by `publish` while the broker connection is down; callers answer 503 and the order waits. */
export class BrokerUnavailableError extends Error {
  constructor(reason: string) {
    super(`message broker unavailable: ${reason}`);
  }
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * A broker connection that survives broker restarts: on every (re)connect it declares the queues and
 * re-subscribes the consumers, with a capped back-off between attempts. Publishing goes through a
 * confirm channel, so `publish` resolves once the broker has taken the message.
 *
 * Messages are published as amqplib sends them by default: transient (not persistent). Queues are
 * durable, but a transient message still waiting in a queue is gone when the broker restarts. This is
 * the order system's documented weak spot that the `broker-loss` scenario reproduces.
 */
export class ReconnectingBroker implements OrderBroker {
  private model?: amqp.ChannelModel;
  private channel?: amqp.ConfirmChannel;
  private readonly consumers = new Map<string, MessageHandler>();
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private closing = false;
  private connected?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly queues: readonly string[],
    private readonly log: Logger,
  ) {}

  /** Starts connecting in the background; resolves after the first successful connection. */
  start(): Promise<void> {
    this.connected ??= new Promise((resolve) => {
      const attempt = (): void => {
        this.connect().then(resolve, (error: unknown) => {
          this.log.warn(
            {
              error: errorMessage(error),
              inMs: this.reconnectDelayMs,
            },
            "broker connection failed; retrying",
          );
          this.scheduleReconnect(attempt);
        });
      };
      attempt();
    });
    return this.connected;
  }

  get isConnected(): boolean {
    return this.channel !== undefined;
  }

  /** Subscribes a handler to a queue, now if connected and again after every reconnect. */
  async consume(queue: string, handler: MessageHandler): Promise<void> {
    this.consumers.set(queue, handler);
    if (this.channel) await this.subscribe(this.channel, queue, handler);
  }

  async publish(queue: string, body: object): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new BrokerUnavailableError("not connected");
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { contentType: "application/json" }, (error) =>
        error ? reject(new BrokerUnavailableError(errorMessage(error))) : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    const model = this.model;
    this.model = undefined;
    this.channel = undefined;
    await model?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const model = await amqp.connect(this.url);
    try {
      const channel = await model.createConfirmChannel();
      await channel.prefetch(10);
      for (const queue of this.queues) await channel.assertQueue(queue, { durable: true });
      model.on("error", (error: unknown) => this.log.warn({ error: errorMessage(error) }, "broker connection error"));
      model.on("close", () => this.onClose(model));
      channel.on("error", (error: unknown) => this.log.warn({ error: errorMessage(error) }, "broker channel error"));
      // A channel can die alone (a protocol error); closing the connection then takes the reconnect path.
      channel.on("close", () => {
        if (this.channel === channel) void model.close().catch(() => undefined);
      });
      for (const [queue, handler] of this.consumers) await this.subscribe(channel, queue, handler);
      this.model = model;
      this.channel = channel;
      this.reconnectDelayMs = RECONNECT_MIN_MS;
      this.log.info({ queues: this.queues }, "connected to the broker");
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
  }

  private onClose(model: amqp.ChannelModel): void {
    if (this.model !== model) return;
    this.model = undefined;
    this.channel = undefined;
    if (this.closing) return;
    this.log.warn("broker connection closed; reconnecting");
    const attempt = (): void => {
      this.connect().catch((error: unknown) => {
        this.log.warn({ error: errorMessage(error), inMs: this.reconnectDelayMs }, "broker reconnect failed; retrying");
        this.scheduleReconnect(attempt);
      });
    };
    this.scheduleReconnect(attempt);
  }

  private scheduleReconnect(attempt: () => void): void {
    if (this.closing) return;
    this.reconnectTimer = setTimeout(attempt, this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
  }

  private async subscribe(channel: amqp.ConfirmChannel, queue: string, handler: MessageHandler): Promise<void> {
    await channel.consume(queue, (message) => {
      if (!message) return; // the broker cancelled the consumer; the reconnect re-subscribes
      void this.deliver(channel, message, handler);
    });
  }

  private async deliver(
    channel: amqp.ConfirmChannel,
    message: amqp.ConsumeMessage,
    handler: MessageHandler,
  ): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await handler(JSON.parse(message.content.toString("utf8")) as unknown);
    } catch (error) {
      this.log.error({ error: errorMessage(error) }, "message handling failed; rejecting it");
      outcome = "reject";
    }
    try {
      if (outcome === "ack") channel.ack(message);
      else channel.nack(message, false, false);
    } catch (error) {
      // The channel died while the handler ran: the broker redelivers or drops it by itself.
      this.log.warn({ error: errorMessage(error) }, "could not settle a message on a closed channel");
    }
  }
}
