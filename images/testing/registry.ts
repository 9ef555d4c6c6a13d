import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePort, LOOPBACK, startProcess, waitForHttp } from "../../sandbox/process";

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: what `npm run images -- --push` takes. */
  address: string;
  stop(): Promise<void>;
}

/**
 * A private OCI registry on loopback: Debian's docker-registry (distribution), filesystem storage in
 * a temporary folder, plain HTTP (clients treat loopback registries as insecure by default).
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-registry-"));
  const port = await freePort();
  const config = path.join(dir, "config.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log: { level: warn }",
      `storage: { filesystem: { rootdirectory: ${path.join(dir, "data")} }, delete: { enabled: true } }`,
      `http: { addr: "${LOOPBACK}:${port}" }`,
      "",
    ].join("\n"),
  );
  const registry = startProcess({ name: "registry", command: "docker-registry", args: ["serve", config], logDir: dir });
  const stop = async () => {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://${LOOPBACK}:${port}/v2/`, { process: registry, timeoutMs: 30_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address: `${LOOPBACK}:${port}`, stop };
}
