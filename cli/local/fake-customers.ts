/**
 * Deliberately fake customer data for the scenarios: no real person's data ever enters the sandbox.
 * The values are distinctive on purpose, so the end-to-end tests can prove none of them reaches
 * Jaeger (reserved `.invalid` domain, 555-01xx fictional phone numbers).
 */
export interface FakeCustomer {
  name: string;
  email: string;
  phone: string;
  address: string;
}

export function fakeCustomer(index: number): FakeCustomer {
  const n = String(index + 1).padStart(2, "0");
  return {
    name: `Probe Customer ${n} Zyxwvut`,
    email: `probe.customer${n}@example.invalid`,
    phone: `+1-202-555-01${n}`,
    address: `${n} Probe Lane, Fakeville 000${n}`,
  };
}

/** A tiny ASCII STL model: what the shop stores in S3 and MES fetches. */
export function fakeModel(index: number): { fileName: string; content: string } {
  const stl = [
    `solid sandbox-part-${index}`,
    "facet normal 0 0 1",
    "outer loop",
    "vertex 0 0 0",
    "vertex 10 0 0",
    "vertex 0 10 0",
    "endloop",
    "endfacet",
    `endsolid sandbox-part-${index}`,
    "",
  ].join("\n");
  return { fileName: `part-${index}.stl`, content: Buffer.from(stl).toString("base64") };
}
