import { describe, expect, it } from "vitest";
import { secret, UNKNOWN_STRING, violationsOf } from "../testing/run-policy";
import { configMap, deployment, k8s } from "../testing/resources";
import { secretsStaySecret as rule } from "./secrets-stay-secret";

const proxySecret = (stringData: Record<string, unknown>, name = "proxy-secret") =>
  k8s("core/v1:Secret", name, { metadata: { name: "oauth2-proxy", namespace: "tracing" }, type: "Opaque", stringData });
const container = (extra: Record<string, unknown>) =>
  deployment("oauth2-proxy", { app: "oauth2-proxy" }, { containers: [{ name: "oauth2-proxy", ...extra }] });
const fromSecret = (name: string, key: string) => ({
  name,
  valueFrom: { secretKeyRef: { name: "oauth2-proxy", key } },
});

describe("secrets-stay-secret: Pulumi secrets", () => {
  it("passes a Secret whose values are Pulumi secrets (or not known yet, like the generated cookie secret)", async () => {
    const resource = proxySecret({ "client-secret": secret("s3cr3t"), "cookie-secret": secret(UNKNOWN_STRING) });
    expect(await violationsOf(rule, resource)).toEqual([]);
    expect(await violationsOf(rule, k8s("core/v1:Secret", "whole", { stringData: secret({ password: "p" }) }))).toEqual(
      [],
    );
  });

  it("refuses plain values where a secret belongs: a Secret's data, a search domain's master password", async () => {
    const plain = proxySecret({ "client-secret": "s3cr3t", "cookie-secret": secret("c") }, "jaeger-ui-oauth2-proxy");
    expect(await violationsOf(rule, plain)).toEqual([
      expect.stringMatching(
        /^stringData\.client-secret of jaeger-ui-oauth2-proxy is a plain value.*pulumi config set --secret/,
      ),
    ]);
    const domain = (password: unknown) => ({
      type: "aws:opensearch/domain:Domain",
      name: "traces",
      props: {
        advancedSecurityOptions: {
          enabled: true,
          masterUserOptions: { masterUserName: "jaeger", masterUserPassword: password },
        },
      },
    });
    expect(await violationsOf(rule, domain(secret("p")))).toEqual([]);
    expect(await violationsOf(rule, domain("p"))).toEqual([
      expect.stringContaining(
        "advancedSecurityOptions.masterUserOptions.masterUserPassword of traces is a plain value",
      ),
    ]);
    const token = (value: unknown) =>
      k8s("core/v1:ConfigMap", "settings", { metadata: { name: "settings" }, data: { tenant: value } });
    const secretInputs = { "kubernetes:core/v1:ConfigMap": ["data.tenant"] };
    expect(await violationsOf(rule, token("t"), { secretInputs })).toEqual([
      expect.stringContaining("data.tenant of settings is a plain value"),
    ]);
    expect(await violationsOf(rule, token(secret("t")), { secretInputs })).toEqual([]);
  });
});

describe("secrets-stay-secret: plain text in ConfigMaps, env and flags", () => {
  it("passes the proxy as infra/ declares it: config file without secrets, env from the Secret", async () => {
    const cfg = 'provider = "oidc"\nclient_id = "jaeger-ui"\ncookie_secure = true\npass_access_token = false\n';
    expect(await violationsOf(rule, configMap("oauth2-proxy", { "oauth2-proxy.cfg": cfg }))).toEqual([]);
    const env = [
      fromSecret("OAUTH2_PROXY_CLIENT_SECRET", "client-secret"),
      fromSecret("OAUTH2_PROXY_COOKIE_SECRET", "cookie-secret"),
    ];
    expect(await violationsOf(rule, container({ env, args: ["--config=/etc/oauth2-proxy/oauth2-proxy.cfg"] }))).toEqual(
      [],
    );
    const jaeger =
      "backends:\n  es:\n    auth:\n      basic:\n        username: jaeger\n        password_file: /etc/jaeger/password\n";
    expect(await violationsOf(rule, configMap("jaeger", { "config.yaml": jaeger }))).toEqual([]);
  });

  it("refuses secrets written into a ConfigMap, as a key or inside a config file", async () => {
    expect(await violationsOf(rule, configMap("proxy", { "client-secret": "s3cr3t" }))).toEqual([
      expect.stringContaining('holds "client-secret" in plain text'),
    ]);
    const cfg = 'provider = "oidc"\nclient_secret = "s3cr3t"\ncookie_secret = "abc"\n';
    expect(await violationsOf(rule, configMap("proxy", { "oauth2-proxy.cfg": cfg }))).toEqual([
      expect.stringContaining("assigns client_secret literally"),
      expect.stringContaining("assigns cookie_secret literally"),
    ]);
    const yaml = "auth:\n  basic:\n    username: jaeger\n    password: hunter2\n";
    expect(await violationsOf(rule, configMap("jaeger", { "config.yaml": yaml }))).toEqual([
      expect.stringContaining("assigns password literally"),
    ]);
    const referenced = "token: ${env:TOKEN}\npassword: \n";
    expect(await violationsOf(rule, configMap("x", { "config.yaml": referenced }))).toEqual([]);
  });

  it("refuses credentials as literal env values or flags", async () => {
    const env = [
      { name: "OAUTH2_PROXY_CLIENT_SECRET", value: "s3cr3t" },
      { name: "ES_PASSWORD_FILE", value: "/etc/pw" },
    ];
    expect(await violationsOf(rule, container({ env }))).toEqual([
      expect.stringContaining("sets OAUTH2_PROXY_CLIENT_SECRET as a literal value"),
    ]);
    const headers = [{ name: "OTEL_EXPORTER_OTLP_HEADERS", value: "authorization=Bearer abc" }];
    expect(await violationsOf(rule, container({ env: headers }))).toHaveLength(1);
    expect(
      await violationsOf(rule, container({ env: headers }), { allowedLiteralEnv: ["OTEL_EXPORTER_OTLP_HEADERS"] }),
    ).toEqual([]);
    expect(
      await violationsOf(rule, container({ args: ["--cookie-secret=abc", "--client-secret-file=/etc/s"] })),
    ).toEqual([expect.stringContaining("passes --cookie-secret on the command line")]);
  });
});
