import * as http from "node:http";

export interface JsonResponse {
  status: number;
  body: unknown;
}

/** Raised when the other service cannot be reached or does not answer in time. */
export class UpstreamError extends Error {}

const TIMEOUT_MS = 10_000;

/**
 * A JSON request over node:http to another service of the order path. (node:http rather than
 * fetch: it is what the cluster's services use and what the HTTP instrumentation traces.)
 */
export function requestJson(method: string, url: string, body?: unknown): Promise<JsonResponse> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        timeout: TIMEOUT_MS,
        headers: payload
          ? { "content-type": "application/json", "content-length": String(payload.length) }
          : { accept: "application/json" },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => reject(new UpstreamError(`${method} ${url}: ${error.message}`)));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = undefined;
          try {
            parsed = text ? (JSON.parse(text) as unknown) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    request.on("error", (error) => reject(new UpstreamError(`${method} ${url}: ${error.message}`)));
    request.end(payload);
  });
}
