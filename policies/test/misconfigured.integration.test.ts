import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, run } from "../../test/support/project";
import { ORDER_TRACING_POLICIES } from "../rules";

const FIXTURE = path.join(__dirname, "fixtures", "misconfigured");
/** The rules a Kubernetes-only preview can break: all but the S3 rule (no aws provider plugin here). */
const KUBERNETES_RULES = ORDER_TRACING_POLICIES.map((p) => p.name).filter(
  (name) => name !== "secret-inputs-observer" && name !== "model-sources-not-expired",
);

// The real engine, language host, kubernetes provider and policy pack on the misconfigured fixture
// program (copied to a temporary folder with its own file backend). The S3 rule is proven on the
// same program under mocks (misconfigured.test.ts).
describe("pulumi preview --policy-pack policies on a misconfigured trace stack", () => {
  let dir: string;
  const pulumi = (args: string[]) =>
    run("bash", [path.join(REPO, "scripts", "pulumi.sh"), "--cwd", dir, ...args], {
      cwd: REPO,
      env: {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${path.join(dir, ".pulumi-state", "backend")}`,
        PULUMI_HOME: path.join(dir, ".pulumi-state", "home"),
      },
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "order-tracing-misconfigured-"));
    cpSync(FIXTURE, dir, { recursive: true });
    symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    const init = await pulumi(["stack", "init", "test", "--non-interactive"]);
    expect(init.code, init.stdout + init.stderr).toBe(0);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fails, naming every rule the stack breaks", async () => {
    // The pack config (as another team would pass it) adds an input that must be a Pulumi secret,
    // which shows the secret observer working in the real engine.
    const packConfig = path.join(dir, "policy-config.json");
    const secretInputs = { "kubernetes:core/v1:ConfigMap": ["data.tenant-token"] };
    writeFileSync(packConfig, JSON.stringify({ "secrets-stay-secret": { secretInputs } }));
    const preview = await pulumi([
      "preview",
      "--stack",
      "test",
      "--policy-pack",
      path.join(REPO, "policies"),
      "--policy-pack-config",
      packConfig,
      "--non-interactive",
    ]);
    const output = preview.stdout + preview.stderr;
    expect(preview.code, output).not.toBe(0);
    expect(output).toMatch(/Policies:[\s\S]*❌ order-tracing@v/);
    for (const rule of KUBERNETES_RULES) expect(output, rule).toMatch(new RegExp(`\\[mandatory\\]\\s+${rule}\\b`));
    // A few of the messages, each saying what to change.
    expect(output).toContain("admits 0.0.0.0/0, outside the private/VPN ranges");
    expect(output).toContain('sends traffic to Service "jaeger" directly');
    expect(output).toContain("has no default-deny NetworkPolicy");
    expect(output).toContain("has no ResourceQuota with requests.storage");
    expect(output).toContain('No workload in this stack instruments service "shop"');
    expect(output).toContain("sets ES_PASSWORD as a literal value");
    expect(output).toContain("data.tenant-token of exporter-settings is a plain value");
    expect(output).not.toContain("data.tenant-token of sealed-settings");
    expect(output).not.toContain("can't run");
    // The engine's plugins are installed ones (scripts/install-plugins.sh), not ambient ones on PATH.
    expect(output).not.toContain("from $PATH");
  });
});
