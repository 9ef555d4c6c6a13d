import * as net from "node:net";
import { LOOPBACK } from "../../sandbox/process";

/**
 * A TCP pass-through on 127.0.0.1 in front of a server that a test can shut and open again: shut,
 * it drops every connection and stops listening, so clients see exactly what a dead server gives
 * them (connection refused); open, it listens on the same port again. The server behind it keeps
 * running, so a test can count on both sides of an outage without the server losing anything.
 */
export interface TcpGate {
  port: number;
  shut(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpGate(targetPort: number, port: number): Promise<TcpGate> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, LOOPBACK);
    for (const socket of [client, upstream]) {
      connections.add(socket);
      socket.on("close", () => connections.delete(socket));
      socket.on("error", () => undefined); // the other side's close ends the pair
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, LOOPBACK, () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
  const shut = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of connections) socket.destroy();
    });
  await listen();
  return { port, shut, open: listen, close: shut };
}
