/** DNS-1123 label: what Kubernetes accepts as a namespace or object name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function dnsLabel(v: string): string | undefined {
  return DNS_LABEL.test(v)
    ? undefined
    : `expected a DNS-1123 label (lower-case letters, digits and '-', at most 63), got "${v}"`;
}
