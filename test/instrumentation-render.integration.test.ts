import * as yaml from "js-yaml";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyProject, pulumi, type ProjectCopy } from "./support/project";

interface RenderedPatch {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    template: {
      spec: {
        initContainers: Array<{ name: string; image: string }>;
        containers: Array<{ name: string; env: Array<{ name: string; value?: string }> }>;
        volumes: Array<{ name: string; emptyDir: { sizeLimit: string } }>;
      };
    };
  };
}

// The real engine and kubernetes provider in render mode: what `npm run up` writes for the patches
// of the Shop, CRM and MES deployments, and what removing a service from the config does.
describe("instrumentation patches in render mode", () => {
  let project: ProjectCopy;
  const manifest = (file: string) => path.join(project.dir, "rendered", "dev", "1-manifest", file);
  const load = (file: string) => yaml.load(readFileSync(manifest(file), "utf8")) as RenderedPatch;
  const up = async () => {
    const result = await pulumi(project, [
      "up",
      "--yes",
      "--stack",
      "dev",
      "--skip-preview",
      "--suppress-progress",
      "--non-interactive",
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  };

  beforeAll(async () => {
    project = copyProject();
    const init = await pulumi(project, ["stack", "init", "dev", "--non-interactive"]);
    expect(init.code, init.stderr).toBe(0);
  });

  afterAll(() => project?.remove());

  it("renders each DeploymentPatch as an apply configuration that carries only our fields", async () => {
    await up();
    for (const service of ["shop", "crm", "mes"]) {
      const patch = load(`apps_v1-deployment-${service}-${service}.yaml`);
      expect(patch.apiVersion).toBe("apps/v1");
      expect(patch.kind).toBe("Deployment");
      expect(patch.metadata).toMatchObject({
        name: service,
        namespace: service,
        annotations: { "pulumi.com/patchFieldManager": "order-tracing-instrumentation" },
      });
      expect(Object.keys(patch.spec ?? {})).toEqual(["template"]);
      const pod = patch.spec!.template.spec;
      expect(Object.keys(pod).sort()).toEqual(["containers", "initContainers", "volumes"]);
      expect(pod.initContainers.map((c) => c.name)).toEqual(["order-tracing-instrumentation"]);
      expect(pod.volumes).toEqual([{ name: "order-tracing-instrumentation", emptyDir: { sizeLimit: "64Mi" } }]);
      expect(pod.containers.map((c) => Object.keys(c).sort())).toEqual([["env", "name", "volumeMounts"]]);
      expect(pod.containers[0].env.find((e) => e.name === "NODE_OPTIONS")?.value).toBe(
        "--require /otel-auto-instrumentation-nodejs/register.js",
      );

      const namespace = load(`v1-namespace-default-${service}.yaml`);
      expect(namespace.metadata.labels).toEqual({ "order-tracing/instrumented": "true" });
    }
  });

  it("removing a service from the config removes its patch and its namespace label", async () => {
    const stackFile = path.join(project.dir, "Pulumi.dev.yaml");
    const stack = yaml.load(readFileSync(stackFile, "utf8")) as {
      config: { "order-tracing:instrumentation": { services: Array<{ name: string }> } };
    };
    const instrumentation = stack.config["order-tracing:instrumentation"];
    instrumentation.services = instrumentation.services.filter((s) => s.name !== "mes");
    writeFileSync(stackFile, yaml.dump(stack));

    await up();
    expect(existsSync(manifest("apps_v1-deployment-mes-mes.yaml"))).toBe(false);
    expect(existsSync(manifest("v1-namespace-default-mes.yaml"))).toBe(false);
    expect(existsSync(manifest("apps_v1-deployment-shop-shop.yaml"))).toBe(true);
  });
});
