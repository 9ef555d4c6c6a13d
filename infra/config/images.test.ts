import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { COLLECTOR_IMAGE, INSTRUMENTATION_IMAGE } from "../../images/definitions";
import { parseStackConfig } from "./index";
import { readStackFile } from "./stack-file";
import { PUBLISH_IMAGES_COMMAND } from "./images";

const REPO = path.resolve(__dirname, "..", "..");

function stackFile(stack: string): Record<string, unknown> {
  return readStackFile(REPO, stack).raw;
}

describe("our images in the stack files", () => {
  it("prod names none of them, so its preview stops naming each key and the command", () => {
    const raw = stackFile("prod");
    const secrets = new Set(Object.keys(raw).filter((k) => typeof raw[k] === "object" && "secure" in raw[k]!));
    expect(() => parseStackConfig("prod", raw, secrets, { requireOwnImages: true })).toThrow(
      new RegExp(
        `order-tracing:collector\\.image: missing: .*${PUBLISH_IMAGES_COMMAND.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}` +
          `[^]*order-tracing:instrumentation\\.nodejs\\.image: missing: `,
      ),
    );
  });

  it("dev names the tags `npm run images -- --push 127.0.0.1:5000` publishes", () => {
    const config = parseStackConfig("dev", stackFile("dev"), new Set(["oidcClientSecret"]), { requireOwnImages: true });
    expect(config.collector.image).toBe(`127.0.0.1:5000/${COLLECTOR_IMAGE.name}:${COLLECTOR_IMAGE.version}`);
    expect(config.instrumentation.agents.nodejs.image).toBe(
      `127.0.0.1:5000/${INSTRUMENTATION_IMAGE.name}:${INSTRUMENTATION_IMAGE.version}`,
    );
  });
});
