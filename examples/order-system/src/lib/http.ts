import * as http from "node:http";
import express from "express";
import { BrokerUnavailableError } from "./amqp";
import { Logger, errorMessage } from "./log";
import { StatusConflictError } from "./statuses";

/** Raised by handlers for a request the service refuses; the message is safe to return. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An express app with JSON bodies up to `bodyLimit` and the services' common error answers. */
export function createApp(bodyLimit = "1mb"): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: bodyLimit }));
  return app;
}

/**
 * The last middleware: known errors become their status with a short JSON message; anything else is
 * a 500 and is logged (the message only: request bodies hold customer data and are never logged).
 */
export function errorHandler(log: Logger): express.ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof HttpError) {
      res.status(error.status).json({ error: error.message });
    } else if (error instanceof BrokerUnavailableError) {
      res.status(503).json({ error: "the message broker is unavailable; retry" });
    } else if (error instanceof StatusConflictError) {
      res.status(409).json({ error: error.message, status: error.status });
    } else if (isBodyParserError(error)) {
      res.status(error.status).json({ error: "invalid request body" });
    } else {
      log.error({ method: req.method, route: req.route?.path, error: errorMessage(error) }, "request failed");
      res.status(500).json({ error: "internal error" });
    }
  };
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  return typeof error === "object" && error !== null && "type" in error && "status" in error;
}

/** Listens and resolves with the server once it accepts connections. */
export function listen(app: express.Express, host: string, port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * On SIGTERM/SIGINT closes the server and the other resources and lets the process end by itself,
 * without `process.exit`, so the instrumentation's own shutdown hook can still flush its spans.
 */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    stop().catch((error: unknown) => {
      log.error({ error: errorMessage(error) }, "stop failed");
      process.exitCode = 1;
    });
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

/** Stops accepting requests and drops idle keep-alive connections. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
