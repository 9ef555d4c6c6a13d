/**
 * Deliberately fake personal data, used only to prove that none of it leaves a process in span
 * data. Every value is invented (example.invalid domain, a test card number, a 555 phone number).
 */
export const PII_PROBES = {
  name: "Probe Persona Testfall",
  email: "probe.persona@example.invalid",
  phone: "+1 555 010 4477",
  address: "42 Probe Lane, Testville",
  card: "4111 1111 1111 1111",
  cardCompact: "4111111111111111",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9iZS1wZXJzb25hIn0.cHJvYmUtc2lnbmF0dXJl",
  bearer: "Bearer probe0secret0token0value",
  password: "probe-passw0rd-value",
} as const;

/** Substrings that must not appear anywhere in exported data (each probe, and its distinctive parts). */
export const FORBIDDEN_SUBSTRINGS: string[] = [
  ...Object.values(PII_PROBES),
  "probe.persona",
  "Probe Persona",
  "Probe Lane",
  "555 010 4477",
  "probe0secret0token0value",
  "cHJvYmUtc2lnbmF0dXJl",
];

/** The probes that can appear in a URL, URL-encoded as a browser would send them. */
export function probeQueryString(): string {
  const params = new URLSearchParams({
    email: PII_PROBES.email,
    phone: PII_PROBES.phone,
    card: PII_PROBES.cardCompact,
    token: PII_PROBES.jwt,
    name: PII_PROBES.name,
  });
  return params.toString();
}

/** Every forbidden substring found in `text` (also URL-encoded forms). */
export function leakedProbes(text: string): string[] {
  const decoded = (() => {
    try {
      return decodeURIComponent(text.replace(/\+/g, " "));
    } catch {
      return text;
    }
  })();
  return FORBIDDEN_SUBSTRINGS.filter((probe) => text.includes(probe) || decoded.includes(probe));
}
