import { S3Client } from "@aws-sdk/client-s3";
import { requiredEnv } from "./env";

export interface ModelStorage {
  client: S3Client;
  bucket: string;
}

/**
 * The S3 client of the models bucket. `S3_ENDPOINT` points at an S3-compatible server (path-style
 * addressing); without it the SDK talks to AWS S3. Credentials and region come from the standard
 * AWS_* variables. Checksums only where the API requires them, which S3-compatible servers accept.
 */
export function modelStorageFromEnv(env: NodeJS.ProcessEnv = process.env): ModelStorage {
  const endpoint = env.S3_ENDPOINT || undefined;
  const client = new S3Client({
    region: env.AWS_REGION || "us-east-1",
    endpoint,
    forcePathStyle: endpoint !== undefined,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return { client, bucket: requiredEnv("MODELS_BUCKET", env) };
}
