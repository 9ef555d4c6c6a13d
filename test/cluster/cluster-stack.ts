import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { BuiltImage } from "../../images/build";
import { CONFIG_NAMESPACE } from "../../infra/config/errors";
import { pulumi, REPO, type CommandResult, type ProjectCopy } from "../support/project";

/** What the `cluster` stack takes from the test: where the cluster and the storage are, and our images. */
export interface ClusterStackSettings {
  kubeconfig: string;
  context: string;
  /** The OpenSearch the test started, as pods reach it. */
  storageUrl: string;
  /** Addresses (CIDRs) and port of what pods reach outside the cluster: the relays on the bridge gateway. */
  gatewayCidr: string;
  apiServerPort: number;
  images: readonly Pick<BuiltImage, "configKey" | "reference">[];
  /** The identity provider the test runs (https, its CA the stack's `access.oidc.providerCa`). */
  identityProvider: { issuerUrl: string; caPem: string; clientSecret: string };
}

type Config = Record<string, unknown>;

/** The report's stuck threshold in the cluster stack (report.stuckAfter), in milliseconds. */
export const REPORT_STUCK_AFTER_MS = 10_000;

/** The UI host and OIDC client of the dev stack's access path (Pulumi.dev.yaml), which the cluster stack keeps. */
export function devStackAccess(): { host: string; clientId: string; groupsClaim: string } {
  const dev = yaml.load(readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8")) as { config: Config };
  const access = dev.config[`${CONFIG_NAMESPACE}:access`] as {
    host: string;
    oidc: { clientId: string; groupsClaim?: string };
  };
  return { host: access.host, clientId: access.oidc.clientId, groupsClaim: access.oidc.groupsClaim ?? "groups" };
}

/** Sets a dotted path (`a.b.c`) in a nested object. */
function setPath(target: Config, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let at = target;
  for (const key of keys.slice(0, -1)) {
    at[key] = (at[key] as Config | undefined) ?? {};
    at = at[key] as Config;
  }
  at[keys.at(-1)!] = value;
}

/**
 * The `cluster` stack: the dev stack's configuration (Pulumi.dev.yaml) pointed at the test's cluster,
 * with our images from its registry, `storage.kind: external` to the test's OpenSearch, every trace
 * kept (the test reads each order back), the report's CronJob and exporter on, and the dev stack's access path signing in
 * at the test's identity provider, whose company CA the stack hands to the proxy.
 */
export async function createClusterStack(
  project: ProjectCopy,
  stack: string,
  settings: ClusterStackSettings,
): Promise<void> {
  const must = async (args: string[]): Promise<CommandResult> => {
    const result = await pulumi(project, [...args, "--non-interactive"]);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")}: ${result.stderr}`);
    return result;
  };
  await must(["stack", "init", stack]);
  const file = path.join(project.dir, `Pulumi.${stack}.yaml`);
  const created = yaml.load(readFileSync(file, "utf8")) as { encryptionsalt: string };
  const dev = yaml.load(readFileSync(path.join(project.dir, "Pulumi.dev.yaml"), "utf8")) as { config: Config };
  const ns = (key: string) => `${CONFIG_NAMESPACE}:${key}`;
  const config: Config = {};
  for (const [key, value] of Object.entries(dev.config)) {
    const name = key.slice(CONFIG_NAMESPACE.length + 1);
    if (["kubernetes", "oidcClientSecret", "storage"].includes(name)) continue;
    config[key] = value;
  }
  config[ns("kubernetes")] = { kubeconfig: settings.kubeconfig, context: settings.context };
  config[ns("storage")] = {
    kind: "external",
    retentionDays: 3,
    external: { url: settings.storageUrl, engine: "opensearch" },
  };
  config[ns("network")] = {
    apiServerCidrs: [settings.gatewayCidr],
    apiServerPorts: [settings.apiServerPort],
    storageCidrs: [settings.gatewayCidr],
  };
  const access = config[ns("access")] as Config;
  setPath(access, "oidc.issuerUrl", settings.identityProvider.issuerUrl);
  setPath(access, "oidc.providerCa", settings.identityProvider.caPem);
  setPath(access, "oidc.providerCidrs", [settings.gatewayCidr]);
  const collector = config[ns("collector")] as Config;
  setPath(collector, "sampling.keepPercent", 100);
  setPath(collector, "sampling.decisionWaitSeconds", 5);
  const report = config[ns("report")] as Config;
  report.enabled = true;
  report.stuckAfter = `${REPORT_STUCK_AFTER_MS / 1000}s`;
  // The exporter too (metrics, and the page behind the proxy), reading Jaeger often enough for a test.
  report.serve = true;
  report.interval = "5s";
  for (const image of settings.images) {
    const [section, ...rest] = image.configKey.split(".");
    config[ns(section)] = config[ns(section)] ?? {};
    setPath(config[ns(section)] as Config, rest.join("."), image.reference);
  }
  writeFileSync(file, yaml.dump({ encryptionsalt: created.encryptionsalt, config }));
  // OpenSearch runs without its security plugin: any password is accepted, but the stack requires one.
  await must(["config", "set", "--stack", stack, "--secret", ns("storagePassword"), "cluster-test-password"]);
  await must([
    "config",
    "set",
    "--stack",
    stack,
    "--secret",
    ns("oidcClientSecret"),
    settings.identityProvider.clientSecret,
  ]);
}
