/**
 * The teams' images of Shop, CRM and MES (examples/order-system), for a cluster in the tests: each
 * service its own image on the Node.js runtime the report image runs on (definitions.ts
 * `nodeRuntimeLayers`), with the compiled order system and its production npm packages in /app,
 * started as `node /app/dist/<service>.js`. They are the teams' images, not ours: nothing of the
 * instrumentation is in them but the status API the services call (a no-op without the bundle);
 * the bundle arrives through the init container the stack injects. This machine's platform only.
 */
import { buildMetadata, pushImage, type ImageContent } from "./build";
import { IMAGE_USER, nodeProgramRuntime, nodeRuntimeLayers, userLayer } from "./definitions";
import { BuildInputs, type InputOptions } from "./inputs";

export const ORDER_SYSTEM_SERVICES = ["shop", "crm", "mes"] as const;
export type OrderSystemService = (typeof ORDER_SYSTEM_SERVICES)[number];

/** The image of one service of the order system. */
export function orderSystemImage(service: OrderSystemService, version: string): ImageContent {
  return {
    version,
    title: `order-system ${service} (examples/order-system)`,
    description: `The reference ${service} service of the order path on the Node.js runtime`,
    user: IMAGE_USER,
    architectures: ["amd64"],
    runtime: nodeProgramRuntime(`/app/dist/${service}.js`),
    layers: (platform) => [
      userLayer(IMAGE_USER),
      ...nodeRuntimeLayers(platform),
      {
        comment: "the order system (examples/order-system) and its npm packages",
        entries: [{ path: "/app", input: "order-system" }],
      },
    ],
  };
}

/**
 * Builds each service's image and pushes it to `registry` (`host:port`) under `repositoryOf(service)`
 * (a path and tag, e.g. `shop/api:2.4.1`); returns the pushed references with their index digests.
 */
export async function pushOrderSystemImages(
  registry: string,
  repositoryOf: (service: OrderSystemService) => string,
  options: InputOptions = {},
): Promise<Array<{ service: OrderSystemService; reference: string; digest: string }>> {
  const inputs = new BuildInputs(options);
  try {
    const metadata = await buildMetadata();
    const pushed = [];
    for (const service of ORDER_SYSTEM_SERVICES) {
      const repository = repositoryOf(service);
      const reference = `${registry}/${repository}`;
      const digest = await pushImage(
        orderSystemImage(service, repository.slice(repository.lastIndexOf(":") + 1)),
        reference,
        {
          inputs,
          metadata,
          log: options.log,
        },
      );
      pushed.push({ service, reference, digest });
    }
    return pushed;
  } finally {
    inputs.dispose();
  }
}
