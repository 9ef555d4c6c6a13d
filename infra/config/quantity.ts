/**
 * Kubernetes resource quantities (`512Mi`, `1Gi`, `250m`, `0.5`) as config values: checks in the
 * shape ConfigReader.string expects, and a parser for comparing sizes.
 */

// The canonical quantity grammar of k8s.io/apimachinery resource.Quantity (without signs: config
// values are sizes and must be positive).
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a quantity in base units (bytes, cores), or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, number, , suffix = ""] = match;
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTORS[suffix];
  return Number(number) * factor;
}

/** Check for ConfigReader.string: a positive memory or storage size such as `128Mi` or `2Gi`. */
export function memoryQuantity(v: string): string | undefined {
  const bytes = parseQuantity(v);
  return bytes !== undefined && bytes >= 1
    ? undefined
    : `expected a memory size such as "128Mi" or "2Gi" (a Kubernetes quantity), got "${v}"`;
}

/** Check for ConfigReader.string: a positive CPU amount such as `250m` or `1`. */
export function cpuQuantity(v: string): string | undefined {
  const cores = parseQuantity(v);
  return cores !== undefined && cores >= 0.001 && !/i$/.test(v)
    ? undefined
    : `expected a CPU amount such as "250m" or "1" (a Kubernetes quantity), got "${v}"`;
}
