import { TEST_IMAGE_REFERENCES } from "./image-references";
import { readInstrumentationConfig, type InstrumentationConfig } from "../config/instrumentation";
import { ConfigReader } from "../config/read";
import type { InjectionSettings } from "../injection/instrument-pod-spec";
import { PARTS, serviceHost } from "../topology";

/** The Node.js bundle image the tests configure (a test registry's name, never pulled). */
export const TEST_BUNDLE_IMAGE = TEST_IMAGE_REFERENCES["instrumentation.nodejs.image"];

/** The instrumentation config a stack gets from the defaults plus a bundle image, for tests. */
export function testInstrumentationConfig(): InstrumentationConfig {
  return readInstrumentationConfig(new ConfigReader({ instrumentation: { nodejs: { image: TEST_BUNDLE_IMAGE } } }));
}

/** Injection settings from those defaults, with the collector in the `tracing` namespace. */
export function testInjectionSettings(): InjectionSettings {
  const { agents, initContainerResources } = testInstrumentationConfig();
  return { collectorHost: serviceHost(PARTS.collector, "tracing"), agents, initContainerResources };
}
