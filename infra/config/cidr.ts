import { isIPv4, isIPv6 } from "node:net";

/** A parsed CIDR block: address family, network address as a number, prefix length. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

/**
 * The only ranges a Jaeger UI allowlist may contain: private IPv4 (RFC 1918), the carrier-grade NAT
 * range many VPNs hand out (RFC 6598), and IPv6 unique local addresses (RFC 4193). Anything else is
 * reachable from the internet and would defeat "internal network or VPN only".
 */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"] as const;

const BITS = { 4: 32, 6: 128 } as const;

/** Parses `a.b.c.d/n` or `x:y::/n`; returns a reason when the text is not a canonical CIDR block. */
export function parseCidr(text: string): Cidr | string {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return `expected a CIDR block such as 10.8.0.0/16 (an address alone needs /32 or /128), got "${text}"`;
  const [, address, prefixText] = match;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) return `"${address}" is not an IPv4 or IPv6 address (in "${text}")`;
  const prefix = Number(prefixText);
  const bits = BITS[family];
  if (prefix > bits) return `prefix /${prefix} is longer than ${bits} bits (in "${text}")`;
  const value = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = formatAddress(family, value & ~hostMask);
    return `"${text}" has host bits set; the block is ${network}/${prefix}`;
  }
  return { family, network: value, prefix };
}

/** Whether `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const shift = BigInt(BITS[outer.family] - outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}

const PRIVATE_CIDRS = PRIVATE_RANGES.map((r) => parseCidr(r) as Cidr);

/** Config check for any well-formed CIDR block (egress to a SaaS, the API server, …). */
export function cidrBlock(text: string): string | undefined {
  const parsed = parseCidr(text);
  return typeof parsed === "string" ? parsed : undefined;
}

/**
 * Config check for an allowlist entry: a canonical CIDR block that lies inside a private range.
 * Returns the problem, or undefined when the block is acceptable.
 */
export function privateCidr(text: string): string | undefined {
  const parsed = parseCidr(text);
  if (typeof parsed === "string") return parsed;
  if (parsed.prefix === 0) return `"${text}" allows every address; list the office and VPN ranges instead`;
  if (!PRIVATE_CIDRS.some((range) => cidrContains(range, parsed))) {
    return `"${text}" is not a private range; only ${PRIVATE_RANGES.join(", ")} (or blocks inside them) are allowed`;
  }
  return undefined;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = text.slice(0, v4.index) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join(".");
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}
