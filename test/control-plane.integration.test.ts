import { pollUntil } from "./support/poll";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTRUMENTATION_FIELD_MANAGER } from "../infra/injection/patches";
import { INSTRUMENTATION_INIT_CONTAINER, INSTRUMENTATION_VOLUME } from "../infra/injection/instrument-pod-spec";
import { SKIP_AWAIT_ANNOTATION } from "../infra/kubernetes-provider";
import { INSTRUMENTED_NAMESPACE_LABEL, PARTS, serviceHost } from "../infra/topology";
import { DOWNWARD_API_ENV, OTEL_ENV } from "../instrumentation/src/env";
import { declaredObjects, notStoredAsDeclared, type DeclaredObject } from "./control-plane/declared-objects";
import { deployAsTeam, TEAM_APPS, type TeamApp } from "./control-plane/team-deployments";
import { startControlPlane, type ControlPlane } from "./support/control-plane";
import type { KubeObject } from "./support/kube-api";
import { entriesOf, managersOf, ownedPaths, ownershipSummary } from "./support/managed-fields";
import { copyProject, pulumi, type CommandResult, type ProjectCopy } from "./support/project";

// `pulumi up` of our program against a real kube-apiserver (scripts/control-plane.sh): the stack
// patches the Shop, CRM and MES Deployments their teams deployed, with server-side apply under our
// field manager, and `pulumi destroy` gives them back exactly as the teams left them. There is no
// kubelet, so the test stack sets order-tracing:kubernetes.skipAwait (nothing would become ready).

const STACK = "control-plane-test";
const TRACING_NAMESPACE = "tracing";
/** Strict re-validation of what the stack declared, under a manager of its own (dry run only). */
const STRICT_CHECK_MANAGER = "order-tracing-strict-check";
const DELETION_TIMEOUT_MS = 90_000;
/** Nothing is awaited (skipAwait), so an `up` or `destroy` that takes longer is stuck: fail with its output. */
const COMMAND_TIMEOUT_MS = 240_000;

describe("pulumi up and destroy against a real Kubernetes API server", () => {
  let cluster: ControlPlane;
  let project: ProjectCopy;

  const stackCommand = async (args: string[]): Promise<CommandResult> => {
    const result = await pulumi(project, [...args, "--stack", STACK, "--non-interactive"], COMMAND_TIMEOUT_MS);
    expect(result.code, `pulumi ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
    return result;
  };

  beforeAll(async () => {
    cluster = await startControlPlane();
    project = copyProject();
    // The test stack is the dev stack's config, pointed at the control plane.
    for (const stack of ["dev", STACK]) {
      const init = await pulumi(project, ["stack", "init", stack, "--non-interactive"]);
      expect(init.code, init.stderr).toBe(0);
    }
    const copied = await pulumi(project, ["config", "cp", "--stack", "dev", "--dest", STACK, "--non-interactive"]);
    expect(copied.code, copied.stderr).toBe(0);
    await stackCommand(["config", "rm", "kubernetes"]);
    const settings: Record<string, string> = {
      "kubernetes.kubeconfig": cluster.kubeconfig,
      "kubernetes.context": cluster.context,
      "kubernetes.skipAwait": "true",
    };
    await stackCommand([
      "config",
      "set-all",
      "--path",
      ...Object.entries(settings).flatMap(([key, value]) => ["--plaintext", `order-tracing:${key}=${value}`]),
    ]);
  });

  afterAll(async () => {
    project?.remove();
    await cluster?.stop();
  });

  for (const withPolicies of [false, true]) {
    it(`patches the teams' Deployments and gives them back on destroy${withPolicies ? ", with the policy pack" : ""}`, async () => {
      const teams = await Promise.all(
        TEAM_APPS.map(async (app) => ({ app, before: await deployAsTeam(cluster.api, app) })),
      );
      const namespacesBefore = await Promise.all(
        TEAM_APPS.map((app) => cluster.api.mustGet(`/api/v1/namespaces/${app.team}`)),
      );

      const up = await stackCommand([
        "up",
        "--yes",
        "--skip-preview",
        ...(withPolicies ? ["--policy-pack", "policies"] : []),
      ]);
      if (withPolicies) expect(up.stdout).toMatch(/Policies:[\s\S]*order-tracing@v/);

      const exported = await stackCommand(["stack", "export", "--show-secrets"]);
      const declared = declaredObjects(JSON.parse(exported.stdout));
      await expectStoredStrictly(cluster, declared);
      expectPipelineDeclared(declared);

      for (const { app, before } of teams) {
        const live = await cluster.api.mustGet(await cluster.api.pathOf(app.deployment));
        expectInstrumented(live, app);
        expectTeamFieldsUnchanged(live, before, app);
        if (app.team === "shop" && !withPolicies) {
          console.log(
            `managedFields of shop/shop after pulumi up:\n${JSON.stringify(ownershipSummary(live), null, 2)}`,
          );
        }
      }
      for (const app of TEAM_APPS) {
        const namespace = await cluster.api.mustGet(`/api/v1/namespaces/${app.team}`);
        expect(namespace.metadata.labels?.[INSTRUMENTED_NAMESPACE_LABEL.key]).toBe(INSTRUMENTED_NAMESPACE_LABEL.value);
      }

      await stackCommand(["destroy", "--yes", "--skip-preview"]);

      for (const { app, before } of teams) {
        const after = await cluster.api.mustGet(await cluster.api.pathOf(app.deployment));
        expect(after.spec, `${app.team}: spec after destroy`).toEqual(before.spec);
        expect(after.metadata.labels).toEqual(before.metadata.labels);
        expect(after.metadata.annotations).toEqual(before.metadata.annotations);
        expect(managersOf(after)).toEqual([app.fieldManager]);
      }
      for (const [i, app] of TEAM_APPS.entries()) {
        const namespace = await cluster.api.mustGet(`/api/v1/namespaces/${app.team}`);
        expect(namespace.metadata.labels).toEqual(namespacesBefore[i].metadata.labels);
      }
      await expectAllDeleted(
        cluster,
        declared.filter((d) => !d.isPatch),
      );
    });
  }
});

/**
 * Every object the stack declared is stored with every declared field (nothing dropped as unknown),
 * and passes the API server's strict field validation: the kubernetes provider applies with
 * fieldValidation=Warn (create) or the server default and hides warnings, so an unknown or
 * duplicated field would otherwise vanish without a word.
 */
async function expectStoredStrictly(cluster: ControlPlane, declared: DeclaredObject[]): Promise<void> {
  expect(declared.length).toBeGreaterThan(0);
  // The control: this API server does refuse an unknown field when asked to be strict.
  const misspelt = { ...declared[0].object, specc: {} };
  await expect(
    cluster.api.apply(misspelt, { fieldManager: STRICT_CHECK_MANAGER, force: true, dryRun: true }),
  ).rejects.toThrow(/specc: field not declared in schema/);
  for (const { urn, object, isPatch } of declared) {
    const path = await cluster.api.pathOf(object);
    const stored = await cluster.api.get(path);
    expect(stored, `${urn} is not stored`).toBeDefined();
    expect(stored?.metadata.annotations?.[SKIP_AWAIT_ANNOTATION], `${urn}: ${SKIP_AWAIT_ANNOTATION}`).toBe("true");
    if (!isPatch) expect(notStoredAsDeclared(object, stored as KubeObject), urn).toEqual([]);
    await cluster.api.apply(object, {
      fieldManager: isPatch ? INSTRUMENTATION_FIELD_MANAGER : STRICT_CHECK_MANAGER,
      force: !isPatch,
      dryRun: true,
    });
  }
}

/** The parts of the pipeline the brief asks for are among what the API server stored. */
function expectPipelineDeclared(declared: DeclaredObject[]): void {
  const inTracing = declared.filter((d) => !d.isPatch && d.object.metadata.namespace === TRACING_NAMESPACE);
  const kinds = new Set(inTracing.map((d) => d.object.kind));
  expect(declared.some((d) => d.object.kind === "Namespace" && d.object.metadata.name === TRACING_NAMESPACE)).toBe(
    true,
  );
  // The Ingress and the OIDC proxy exist because the dev stack configures order-tracing:access.
  for (const kind of ["ResourceQuota", "LimitRange", "NetworkPolicy", "Ingress", "Service", "ConfigMap"]) {
    expect(kinds, `a ${kind} in ${TRACING_NAMESPACE}`).toContain(kind);
  }
  const workloads = inTracing.filter((d) => ["Deployment", "StatefulSet"].includes(d.object.kind));
  const workloadParts = workloads.map((d) => (d.object.metadata.labels ?? {})["app.kubernetes.io/name"]);
  for (const part of [PARTS.jaeger, PARTS.collector, PARTS.elasticsearch, PARTS.oauth2Proxy]) {
    expect(workloadParts, `a workload of ${part}`).toContain(part);
  }
}

/** Our init container, volume and env are in the Deployment, owned by our field manager. */
function expectInstrumented(live: KubeObject, app: TeamApp): void {
  const podSpec = (live.spec as PodTemplateOwner).template.spec;
  const container = podSpec.containers.find((c) => c.name === app.container);
  const env = new Map((container?.env ?? []).map((e) => [e.name, e]));
  expect(podSpec.initContainers?.map((c) => c.name)).toEqual([INSTRUMENTATION_INIT_CONTAINER]);
  expect(podSpec.volumes?.map((v) => v.name)).toContain(INSTRUMENTATION_VOLUME);
  expect(container?.volumeMounts?.map((m) => m.name)).toContain(INSTRUMENTATION_VOLUME);
  expect(env.get("NODE_OPTIONS")?.value).toMatch(/--require \S+register\.js/);
  expect(env.get(OTEL_ENV.endpoint)?.value).toContain(serviceHost(PARTS.collector, TRACING_NAMESPACE));
  for (const variable of Object.values(DOWNWARD_API_ENV)) {
    expect(env.get(variable)?.valueFrom, `${app.team}: ${variable}`).toHaveProperty("fieldRef.fieldPath");
  }

  const ours = ownedPaths(live, INSTRUMENTATION_FIELD_MANAGER);
  const pod = `.spec.template.spec`;
  const appContainer = `${pod}.containers[name=${app.container}]`;
  const expectedOwned = [
    `${pod}.initContainers[name=${INSTRUMENTATION_INIT_CONTAINER}]`,
    `${pod}.volumes[name=${INSTRUMENTATION_VOLUME}]`,
    `${appContainer}.volumeMounts[mountPath=`,
    `${appContainer}.env[name=NODE_OPTIONS]`,
    `${appContainer}.env[name=${OTEL_ENV.endpoint}]`,
    ...Object.values(DOWNWARD_API_ENV).map((variable) => `${appContainer}.env[name=${variable}]`),
  ];
  for (const prefix of expectedOwned) {
    expect(
      ours.some((path) => path.startsWith(prefix)),
      `${app.team}: ${INSTRUMENTATION_FIELD_MANAGER} owns ${prefix}`,
    ).toBe(true);
  }
  // Nothing of the team's container is ours but what we add to it.
  const teamEnv = new Set(
    ((app.deployment.spec as PodTemplateOwner).template.spec.containers[0].env ?? []).map((e) => e.name),
  );
  expect(
    ours.filter((path) => [...teamEnv].some((name) => path.startsWith(`${appContainer}.env[name=${name}]`))),
  ).toEqual([]);
}

/** The team still owns exactly what it applied, with the values it applied. */
function expectTeamFieldsUnchanged(live: KubeObject, before: KubeObject, app: TeamApp): void {
  const fieldsOf = (object: KubeObject) => entriesOf(object, app.fieldManager).map((e) => e.fieldsV1);
  expect(fieldsOf(live), `${app.team}: the fields ${app.fieldManager} owns`).toEqual(fieldsOf(before));
  expect(live.metadata.labels).toEqual(before.metadata.labels);

  const liveSpec = (live.spec as PodTemplateOwner).template;
  const teamSpec = (before.spec as PodTemplateOwner).template;
  expect(liveSpec.metadata?.labels).toEqual(teamSpec.metadata?.labels);
  for (const teamContainer of teamSpec.spec.containers) {
    const liveContainer = liveSpec.spec.containers.find((c) => c.name === teamContainer.name);
    expect(liveContainer?.image).toBe(teamContainer.image);
    const liveEnv = new Map((liveContainer?.env ?? []).map((e) => [e.name, e]));
    for (const variable of teamContainer.env ?? []) expect(liveEnv.get(variable.name)).toEqual(variable);
    for (const mount of teamContainer.volumeMounts ?? []) expect(liveContainer?.volumeMounts).toContainEqual(mount);
  }
  for (const volume of teamSpec.spec.volumes ?? []) expect(liveSpec.spec.volumes).toContainEqual(volume);
}

/** Waits until every object is gone (namespaces finish deleting through the namespace controller). */
async function expectAllDeleted(cluster: ControlPlane, objects: DeclaredObject[]): Promise<void> {
  let remaining = objects;
  await pollUntil(
    async () => {
      const present = await Promise.all(
        remaining.map(async (d) => ((await cluster.api.get(await cluster.api.pathOf(d.object))) ? d : undefined)),
      );
      remaining = present.filter((d): d is DeclaredObject => d !== undefined);
      return remaining.length === 0;
    },
    DELETION_TIMEOUT_MS,
    1_000,
  );
  expect(remaining.map((d) => d.urn)).toEqual([]);
}

interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface PodTemplateOwner {
  template: {
    metadata?: { labels?: Record<string, string> };
    spec: {
      initContainers?: { name: string }[];
      containers: {
        name: string;
        image?: string;
        env?: EnvEntry[];
        volumeMounts?: { name: string; mountPath: string }[];
      }[];
      volumes?: { name: string }[];
    };
  };
}
