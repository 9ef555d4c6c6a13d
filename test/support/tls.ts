import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** A server certificate of a CA made for one test run: the CA's certificate, the server's and its key. */
export interface TestServerCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Makes a throw-away CA and a server certificate for `dnsName` signed by it (openssl, EC P-256, valid
 * for two days), as scripts/cluster.sh does for the control plane. The CA's key is deleted at once.
 */
export function issueServerCertificate(dnsName: string): TestServerCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-tls-"));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  try {
    openssl("req", "-x509", ...ecKey, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "2",
      "-subj", "/CN=order-tracing test CA", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign"); // prettier-ignore
    openssl("req", "-new", ...ecKey, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", `/CN=${dnsName}`); // prettier-ignore
    writeFileSync(file("server.ext"), `subjectAltName=DNS:${dnsName}\nextendedKeyUsage=serverAuth\n`);
    openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
      "-CAcreateserial", "-days", "2", "-out", file("server.crt"), "-extfile", file("server.ext")); // prettier-ignore
    return {
      caPem: readFileSync(file("ca.crt"), "utf8"),
      certPem: readFileSync(file("server.crt"), "utf8"),
      keyPem: readFileSync(file("server.key"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
