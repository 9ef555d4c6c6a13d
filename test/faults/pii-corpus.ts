/**
 * Fault case 6 (issue 10): a corpus of deliberately fake personal data. Every value is invented:
 * names made up around the word "Probe", e-mails at the reserved `example.invalid` domain, phone
 * numbers in the 555-01xx fictional range, published payment-network test card numbers (Luhn
 * valid, never issued to anyone), and tokens built from the word "probe".
 */

export type ProbeKind = "name" | "email" | "phone" | "address" | "card" | "token";

export interface Probe {
  kind: ProbeKind;
  value: string;
}

const GIVEN = [
  "Quillon",
  "Marvessa",
  "Tobrin",
  "Yselde",
  "Dravik",
  "Olwenna",
  "Fenrick",
  "Sabrisse",
  "Korvel",
  "Lunetta",
];
const FAMILY = ["Probewright", "Testerholm"];

/** Payment networks' published test numbers (Visa, Mastercard, Amex, Discover, JCB, Diners). */
const TEST_CARDS = [
  "4111111111111111",
  "4012888888881881",
  "4000056655665556",
  "5555555555554444",
  "5105105105105100",
  "5200828282828210",
  "378282246310005",
  "371449635398431",
  "6011111111111117",
  "6011000990139424",
  "3530111333300000",
  "3566002020360505",
  "30569309025904",
  "38520000023237",
  "4222222222222",
];

const base64url = (text: string): string => Buffer.from(text).toString("base64url");

function cardFormats(card: string, index: number): string {
  if (index % 3 === 0) return card; // as typed into a form field
  if (card.length === 15) return `${card.slice(0, 4)} ${card.slice(4, 10)} ${card.slice(10)}`; // Amex 4-6-5
  const groups = card.match(/.{1,4}/g) ?? [card];
  return groups.join(index % 3 === 1 ? " " : "-");
}

function tokens(): string[] {
  const result: string[] = [];
  for (let i = 0; i < 5; i++) {
    const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const payload = base64url(JSON.stringify({ sub: `probe-subject-${i}`, iat: 1_700_000_000 + i }));
    result.push(`${header}.${payload}.${base64url(`probe-signature-${i}`)}`);
  }
  for (let i = 0; i < 4; i++) result.push(`Bearer probeBearerToken${i}Abcdefghij0123`);
  for (let i = 0; i < 3; i++) result.push(`api_key=probeApiKey${i}Zyxwvut987`);
  for (let i = 0; i < 3; i++) result.push(`AKIAPROBE${String(i).padStart(2, "0")}EXAMPLE99`);
  return result;
}

/** The whole corpus: 20 names, 20 e-mails, 20 phone numbers, 15 addresses, 15 card numbers, 15 tokens. */
export const PII_CORPUS: readonly Probe[] = [
  ...GIVEN.flatMap((given) => FAMILY.map((family) => ({ kind: "name" as const, value: `${given} ${family}` }))),
  ...Array.from({ length: 20 }, (_, i) => ({
    kind: "email" as const,
    value: i % 2 === 0 ? `probe.customer${i}@example.invalid` : `Probe_Buyer+${i}@mail.example.invalid`,
  })),
  ...Array.from({ length: 20 }, (_, i) => {
    const line = String(4400 + i);
    const formats = [`+1 555 010 ${line}`, `+1-555-010-${line}`, `555-010-${line}`, `+1555010${line}`];
    return { kind: "phone" as const, value: formats[i % formats.length] };
  }),
  ...Array.from({ length: 15 }, (_, i) => ({
    kind: "address" as const,
    value: `${10 + i} Probe ${["Lane", "Street", "Close"][i % 3]}, Testville ${["North", "East", "West", "South", "Upper"][i % 5]}`,
  })),
  ...TEST_CARDS.map((card, i) => ({ kind: "card" as const, value: cardFormats(card, i) })),
  ...tokens().map((value) => ({ kind: "token" as const, value })),
];

/**
 * Credentials assigned to a name (`token=…`, `authorization: …`, `"session":"…"`), one for each name
 * and spelling both layers mask (contract/trace.ts SECRET_KEYWORDS), in the forms a query,
 * a header dump, a cookie or a JSON fragment takes. The parity probes: the collector alone must mask
 * each one as the SDK does, since for a service the SDK does not scrub (a JVM service traced by the
 * Java agent) the collector is the whole defence.
 */
export const CREDENTIAL_PROBES: readonly Probe[] = [
  "api_key",
  "api-key",
  "apikey",
  "access_token",
  "refresh-token",
  "token",
  "secret",
  "password",
  "passwd",
  "pwd",
  "authorization",
  "Authorization",
  "sessionid",
  "session",
  "SESSION",
].map((name, i) => {
  const secret = `probeCredential${i}Qx7Vb`;
  const forms = [`${name}=${secret}`, `${name}: ${secret}`, `"${name}":"${secret}"`];
  return { kind: "token" as const, value: forms[i % forms.length] };
});

/** The distinctive part of a probe: what must not appear anywhere, in any encoding. */
function needlesOf(probe: Probe): string[] {
  const digits = probe.value.replace(/\D/g, "");
  switch (probe.kind) {
    case "card":
      return [probe.value, digits];
    case "phone":
      return [probe.value, digits.slice(-7)];
    case "token":
      // The token without what introduces it (`Bearer `, `api_key=`, `"session":"`).
      return [probe.value, probe.value.replace(/^(Bearer |"?[A-Za-z_-]+"?\s*[:=]\s*"?)/, "").replace(/"$/, "")];
    default:
      return [probe.value];
  }
}

/** The probes found in `text`, raw or URL-encoded (`+` or `%20` for spaces). */
export function probesFoundIn(text: string, corpus: readonly Probe[] = PII_CORPUS): Probe[] {
  return corpus.filter((probe) =>
    needlesOf(probe).some(
      (needle) =>
        text.includes(needle) ||
        text.includes(encodeURIComponent(needle)) ||
        text.includes(encodeURIComponent(needle).replace(/%20/g, "+")),
    ),
  );
}

/** A probe as a client puts it in a URL path segment: percent-encoded, e-mails keeping their `@`. */
export function pathSegment(probe: Probe): string {
  return encodeURIComponent(probe.value).replace(/%40/g, "@");
}

/** Each probe found in a JSON-like value, with the path where it sits (for a failure message). */
export function leaksIn(value: unknown, at = "", corpus: readonly Probe[] = PII_CORPUS): string[] {
  if (typeof value === "string") return probesFoundIn(value, corpus).map((p) => `${p.kind} "${p.value}" in ${at}`);
  if (Array.isArray(value)) return value.flatMap((item, i) => leaksIn(item, `${at}[${i}]`, corpus));
  if (typeof value === "object" && value !== null) {
    // OTLP attributes are {key, value} pairs: name the attribute, not its index.
    if ("key" in value && "value" in value && typeof value.key === "string")
      return leaksIn(value.value, `${at}{${value.key}}`, corpus);
    return Object.entries(value).flatMap(([k, v]) => leaksIn(v, at ? `${at}.${k}` : k, corpus));
  }
  return [];
}
