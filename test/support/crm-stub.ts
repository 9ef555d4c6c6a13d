// A stand-in for the CRM API in the overhead benchmark: it answers Shop's two calls (POST /orders,
// GET /orders/:id) as CRM does, without RabbitMQ behind it, so the benchmark measures Shop alone.
// Run as its own process (PORT from the environment) so it takes no CPU from the load generator.
import * as http from "node:http";

const port = Number(process.env.PORT);
const statusChangedAt = new Date().toISOString();

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const id = /^\/orders\/([^/]+)$/.exec(req.url ?? "")?.[1];
    let status = 404;
    let body: unknown = { error: "not found" };
    if (req.method === "POST" && req.url === "/orders") {
      const order = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { orderId: string };
      status = 201;
      body = { orderId: order.orderId, status: "SUBMITTED", statusChangedAt: new Date().toISOString() };
    } else if (req.method === "GET" && id) {
      status = 200;
      body = { orderId: decodeURIComponent(id), status: "SUBMITTED", statusChangedAt };
    }
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
