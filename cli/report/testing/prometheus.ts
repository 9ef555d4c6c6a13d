import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { freePort, LOOPBACK, startProcess, waitForHttp, type ManagedProcess } from "../../../sandbox/process";

/**
 * A private Prometheus on loopback (Debian's prometheus package, installed by
 * scripts/install-system-deps.sh; its system service is never started): scrapes one target often
 * and evaluates the given rules file often, so a test sees series and alerts within seconds.
 */

export const PROMETHEUS_BINARY = "/usr/bin/prometheus";

export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  value: string;
}

export interface TestPrometheus {
  url: string;
  process: ManagedProcess;
  /** An instant query through the HTTP API. */
  query(expr: string): Promise<PrometheusSample[]>;
  /** The alerts the rules produced, pending and firing. */
  alerts(): Promise<PrometheusAlert[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(options: {
  /** host:port of the target to scrape at /metrics. */
  target: string;
  job: string;
  rulesYaml: string;
  /** Scrape and evaluation interval, Prometheus duration form (`2s`). */
  interval: string;
  dir: string;
}): Promise<TestPrometheus> {
  mkdirSync(path.join(options.dir, "data"), { recursive: true });
  const rulesFile = path.join(options.dir, "rules.yml");
  writeFileSync(rulesFile, options.rulesYaml);
  const configFile = path.join(options.dir, "prometheus.yml");
  writeFileSync(
    configFile,
    yaml.dump({
      global: { scrape_interval: options.interval, evaluation_interval: options.interval },
      rule_files: [rulesFile],
      scrape_configs: [{ job_name: options.job, static_configs: [{ targets: [options.target] }] }],
    }),
  );
  const port = await freePort();
  const url = `http://${LOOPBACK}:${port}`;
  const process = startProcess({
    name: "prometheus",
    command: PROMETHEUS_BINARY,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(options.dir, "data")}`,
      `--web.listen-address=${LOOPBACK}:${port}`,
      "--storage.tsdb.retention.time=1h",
    ],
    logDir: options.dir,
  });
  await waitForHttp(`${url}/-/ready`, { timeoutMs: 60_000, process });

  const api = async <T>(pathAndQuery: string): Promise<T> => {
    const response = await fetch(`${url}${pathAndQuery}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${pathAndQuery}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    process,
    async query(expr) {
      const data = await api<{ result: PrometheusSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result;
    },
    async alerts() {
      return (await api<{ alerts: PrometheusAlert[] }>("/api/v1/alerts")).alerts;
    },
    async stop() {
      await process.stop();
    },
  };
}
