import type { AgentSettings } from "../injection/instrument-pod-spec";
import type { ResourceRequirements } from "../injection/kubernetes-types";
import {
  DEFAULT_VOLUME_SIZE_LIMITS,
  LANGUAGES,
  NODE_MODULE_FORMATS,
  DEFAULT_AGENT_IMAGES,
  type Language,
  type NodeModuleFormat,
} from "../injection/languages";
import { dnsLabel, memoryQuantity } from "./validators";
import { readResources, type Resources } from "./sections";
import { imageReference, missingOwnImage } from "./images";
import { ConfigReader } from "./read";
import { parseRules } from "../../instrumentation/src/rules";
import type { ConfigKeyDoc } from "./reference";

/** A deployment, owned by another team, whose container gets the instrumentation. */
export interface InstrumentedService {
  /** `service.name` of its spans, and the name of its patch in the stack. */
  name: string;
  namespace: string;
  deployment: string;
  container: string;
  language: Language;
  /** Node.js only: CommonJS apps load the bundle with `--require`, ESM apps with `--import`. */
  nodeModuleFormat?: NodeModuleFormat;
  /** Node.js only: the bundle's order-context and status rules, as JSON text (ORDER_TRACING_RULES). */
  rules?: string;
}

export interface InstrumentationConfig {
  agents: Record<Language, AgentSettings>;
  initContainerResources: ResourceRequirements;
  /** SSA force: take over fields another field manager owns (off: a conflict stops the apply). */
  forceConflicts: boolean;
  services: InstrumentedService[];
}

const SERVICE_FIELDS = ["name", "namespace", "deployment", "container", "language", "nodeModuleFormat", "rules"];
const FIELDS: Record<string, readonly string[]> = {
  instrumentation: [...LANGUAGES, "resources", "forceConflicts", "services"],
  ...Object.fromEntries(LANGUAGES.map((language) => [`instrumentation.${language}`, ["image", "volumeSizeLimit"]])),
  "instrumentation.resources": ["requests", "limits"],
  "instrumentation.resources.requests": ["cpu", "memory"],
  "instrumentation.resources.limits": ["cpu", "memory"],
};

/**
 * Init-container defaults, from the runc test of the instrumentation-nodejs image (docs/images.md):
 * its static cp copies 47 files (2.7 MiB) in about 5 ms with a peak RSS of 9 MiB and a cgroup peak
 * (page cache included) of 4.8 MiB. The limit leaves about 3x room over the RSS; the test runs the
 * copy under exactly these limits.
 */
export const DEFAULT_INIT_CONTAINER_RESOURCES: Resources = {
  requests: { cpu: "10m", memory: "16Mi" },
  limits: { cpu: "100m", memory: "32Mi" },
};

/**
 * Reads `order-tracing:instrumentation`: the agent images, the init container's resources, the
 * shared volume's size limits, and the deployments to instrument (docs/instrumentation.md "Instrumenting Shop, CRM
 * and MES"). Without it nothing is instrumented.
 */
export function readInstrumentationConfig(read: ConfigReader, requireOwnImages = false): InstrumentationConfig {
  for (const [section, known] of Object.entries(FIELDS)) {
    for (const field of read.fieldsOf(section) ?? []) {
      if (!known.includes(field))
        read.fail(`${section}.${field}`, `unknown key; known keys are ${known.join(", ")} (is it a typo?)`);
    }
  }

  const services = readServices(read);
  const used = new Set(services.map((s) => s.language));
  const agents = Object.fromEntries(
    LANGUAGES.map((language): [Language, AgentSettings] => {
      const key = `instrumentation.${language}`;
      const image = read.string(`${key}.image`, undefined, imageReference) ?? DEFAULT_AGENT_IMAGES[language];
      const required = used.has(language) && (requireOwnImages || language !== "nodejs");
      if (image === undefined && required && !read.errors.some((e) => e.key === `${key}.image`)) {
        read.fail(
          `${key}.image`,
          language === "nodejs"
            ? missingOwnImage(
                `the init-container image of our Node.js bundle (instrumentation-nodejs) is required because ` +
                  `${namesUsing(services, language)} use language ${language}`,
              )
            : `missing: the ${language} agent image is required because ${namesUsing(services, language)} use language ${language}`,
        );
      }
      const volumeSizeLimit = read.string(
        `${key}.volumeSizeLimit`,
        DEFAULT_VOLUME_SIZE_LIMITS[language],
        memoryQuantity,
      );
      return [language, { image, volumeSizeLimit }];
    }),
  ) as Record<Language, AgentSettings>;

  return {
    agents,
    initContainerResources: readResources(read, "instrumentation.resources", DEFAULT_INIT_CONTAINER_RESOURCES)
      .resources,
    forceConflicts: read.boolean("instrumentation.forceConflicts", false),
    services,
  };
}

function readServices(read: ConfigReader): InstrumentedService[] {
  const key = "instrumentation.services";
  const services: InstrumentedService[] = [];
  read.list(key).forEach((item, index) => {
    const at = `${key}[${index}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      read.fail(at, `expected an object with ${SERVICE_FIELDS.slice(0, 5).join(", ")}, got ${JSON.stringify(item)}`);
      return;
    }
    // Each item is read like a small config of its own; its problems are reported under `<key>[<index>]`.
    const fields = item as Record<string, unknown>;
    const itemRead = new ConfigReader(fields);
    const name = requiredString(itemRead, "name", dnsLabel, "the service name, used as its service.name");
    if (fields.language === undefined) itemRead.fail("language", `missing: one of ${LANGUAGES.join(", ")}`);
    const language = itemRead.oneOf("language", LANGUAGES, "nodejs");
    const service: InstrumentedService = {
      name,
      namespace: requiredString(itemRead, "namespace", dnsLabel, "the namespace of the deployment"),
      deployment: itemRead.string("deployment", name, dnsSubdomain),
      container: requiredString(itemRead, "container", dnsLabel, "the name of the app container in the pod template"),
      language,
    };
    const nodeOnly = (field: string) =>
      itemRead.fail(field, `applies to language nodejs only (the Node.js bundle), not ${service.language}`);
    if (fields.nodeModuleFormat !== undefined) {
      service.nodeModuleFormat = itemRead.oneOf("nodeModuleFormat", NODE_MODULE_FORMATS, "commonjs");
      if (service.language !== "nodejs") nodeOnly("nodeModuleFormat");
    }
    if (fields.rules !== undefined) {
      if (fields.rules === null || typeof fields.rules !== "object") {
        itemRead.fail(
          "rules",
          `expected the bundle's rules as an object (see instrumentation/README.md), got ${JSON.stringify(fields.rules)}`,
        );
      } else {
        service.rules = JSON.stringify(fields.rules);
        if (service.language !== "nodejs") nodeOnly("rules");
        // The bundle drops an invalid rule set as a whole at run time (no status spans, one warning
        // in a pod log): refuse it here, with the bundle's own parser, before anything is deployed.
        for (const problem of parseRules(service.rules).problems) itemRead.fail("rules", problem);
      }
    }
    for (const field of itemRead.unknownKeys()) {
      if (!SERVICE_FIELDS.includes(field))
        itemRead.fail(field, `unknown key; known keys are ${SERVICE_FIELDS.join(", ")} (is it a typo?)`);
    }
    for (const error of itemRead.errors) read.fail(`${at}.${error.key}`, error.problem);
    if (itemRead.errors.length === 0) services.push(service);
  });

  const seen = { names: new Map<string, number>(), deployments: new Map<string, number>() };
  services.forEach((service, index) => {
    const first = seen.names.get(service.name);
    if (first !== undefined)
      read.fail(
        `${key}[${index}].name`,
        `"${service.name}" is already the name of item ${first}; names must be unique`,
      );
    else seen.names.set(service.name, index);
    // Two patches of one deployment under the same field manager would each remove the other's fields.
    const target = `${service.namespace}/${service.deployment}`;
    const owner = seen.deployments.get(target);
    if (owner !== undefined) {
      read.fail(
        `${key}[${index}].deployment`,
        `${target} is already instrumented by item ${owner}; one instrumented container per deployment`,
      );
    } else seen.deployments.set(target, index);
  });
  return services;
}

function requiredString(
  read: ConfigReader,
  key: string,
  check: (v: string) => string | undefined,
  what: string,
): string {
  const value = read.string(key, undefined, check);
  if (value === undefined && !read.errors.some((e) => e.key === key)) read.fail(key, `missing: ${what}`);
  return value ?? "";
}

function namesUsing(services: InstrumentedService[], language: Language): string {
  return services
    .filter((s) => s.language === language)
    .map((s) => s.name)
    .join(", ");
}

/** A Deployment name: a DNS-1123 subdomain. */
function dnsSubdomain(v: string): string | undefined {
  return v.length <= 253 && v.split(".").every((label) => dnsLabel(label) === undefined)
    ? undefined
    : `expected a Deployment name (a DNS-1123 subdomain: lower-case labels separated by '.'), got "${v}"`;
}

/** The `order-tracing:*` keys this module reads (the instrumented deployments): docs/configuration.md is generated from them. */
export const INSTRUMENTATION_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["instrumentation.services"],
    type: "list",
    default: "`[]` (nothing instrumented)",
    meaning:
      "the deployments to instrument, each `{ name, namespace, deployment, container, language }`: `name` (DNS label, unique) is the `service.name`; `deployment` defaults to `name`; `container` is the app container; `language` is `nodejs`, `java`, `python` or `dotnet`. Node.js only: `nodeModuleFormat` (`commonjs` default, `esm`) and `rules` (the bundle's order-context rules, an object passed as `ORDER_TRACING_RULES`). One instrumented container per deployment.",
  },
  {
    keys: ["instrumentation.nodejs.image"],
    type: "image",
    default: "none: required when a service uses `nodejs`",
    meaning:
      "the init-container image of our bundle (`instrumentation-nodejs`) as published by `npm run images -- --push <registry> --stack <stack>` ([Images](images.md)); a stack that instruments a Node.js service without it fails the preview naming this key and that command",
  },
  {
    keys: ["instrumentation.java.image", "instrumentation.python.image", "instrumentation.dotnet.image"],
    label: "`order-tracing:instrumentation.<java|python|dotnet>.image`",
    type: "image",
    default:
      "the OpenTelemetry Operator's `autoinstrumentation-java:2.31.1`, `-python:0.65b0`, `-dotnet:1.16.0` (`ghcr.io/open-telemetry/opentelemetry-operator/…`)",
    meaning: "the agent image of that language",
  },
  {
    keys: [
      "instrumentation.nodejs.volumeSizeLimit",
      "instrumentation.java.volumeSizeLimit",
      "instrumentation.python.volumeSizeLimit",
      "instrumentation.dotnet.volumeSizeLimit",
    ],
    label: "`order-tracing:instrumentation.<language>.volumeSizeLimit`",
    type: "quantity",
    default: "`64Mi` (nodejs, java), `200Mi` (python, dotnet)",
    meaning: "`sizeLimit` of the emptyDir that carries the agent",
  },
  {
    keys: ["instrumentation.resources"],
    type: "object",
    default:
      "`{ requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 100m, memory: 32Mi } }` (from the copy measured in the image test: 47 files in 4-5 ms, at most 9.2 MiB resident)",
    meaning: "resources of the init container (requests ≤ limits)",
  },
  {
    keys: ["instrumentation.forceConflicts"],
    type: "boolean",
    default: "`false`",
    meaning:
      "server-side-apply `force`: take over fields another manager owns (see [Instrumenting Shop, CRM and MES](instrumentation.md#instrumenting-shop-crm-and-mes))",
  },
];
