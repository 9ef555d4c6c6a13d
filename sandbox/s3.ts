import * as path from "node:path";
import { freePort, LOOPBACK, startProcess, waitForHttp } from "./process";

/**
 * An S3-compatible server on loopback: our built `gofakes3` (`bash tools/build.sh gofakes3`)
 * with an in-memory backend and one bucket created at start.
 */

export const GOFAKES3 = path.resolve(__dirname, "..", ".tools", "bin", "gofakes3");
/** gofakes3 accepts any credentials; these are the sandbox's documented fake ones. */
export const SANDBOX_S3_CREDENTIALS = { accessKeyId: "sandbox", secretAccessKey: "sandbox-secret" } as const;
export const SANDBOX_S3_REGION = "us-east-1";
export const DEFAULT_BUCKET = "models";

export interface S3ServerOptions {
  bucket?: string;
  logDir: string;
  /** Keep the server running after this process exits (the sandbox's `local up`). */
  outliveParent?: boolean;
}

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Options for `new S3Client(...)` of @aws-sdk/client-s3 against the sandbox server: path-style
 * addressing (no bucket subdomains on loopback) and checksums only where S3 requires them, since
 * gofakes3 does not understand the aws-chunked uploads with trailing checksums that current SDKs
 * send by default.
 */
export function s3ClientOptions(endpoint: string) {
  return {
    endpoint,
    region: SANDBOX_S3_REGION,
    forcePathStyle: true,
    credentials: { ...SANDBOX_S3_CREDENTIALS },
    requestChecksumCalculation: "WHEN_REQUIRED" as const,
    responseChecksumValidation: "WHEN_REQUIRED" as const,
  };
}

/** Starts gofakes3 on a free loopback port and resolves once it answers S3 requests. */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const bucket = options.bucket ?? DEFAULT_BUCKET;
  const port = await freePort();
  const server = startProcess({
    name: "gofakes3",
    command: GOFAKES3,
    args: ["-backend", "memory", "-host", `${LOOPBACK}:${port}`, "-initialbucket", bucket],
    logDir: options.logDir,
    outliveParent: options.outliveParent,
  });
  const endpoint = `http://${LOOPBACK}:${port}`;
  await waitForHttp(`${endpoint}/${bucket}`, { process: server, timeoutMs: 30_000 });
  return { endpoint, bucket, pid: server.pid, stop: async () => void (await server.stop()) };
}
