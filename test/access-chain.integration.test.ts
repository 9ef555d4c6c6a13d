import { pollJson } from "./support/poll";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalJaeger, type LocalJaeger } from "../cli/report/testing/jaeger-local";
import {
  buildOAuth2ProxyConfig,
  OAUTH2_PROXY_PATHS,
  OAUTH2_PROXY_SECRET_ENV,
  renderOAuth2ProxyConfig,
} from "../infra/components/access/oauth2-proxy-config";
import { NGINX_ACCESS, parsedAccess } from "../infra/testing/access-fixtures";
import { freePort, LOOPBACK, startProcess, waitForHttp, type ManagedProcess } from "../sandbox/process";
import { Browser, type Page } from "./support/browser";
import { startIdentityProvider, type TestIdentityProvider, type TestUser } from "./support/identity-provider";
import { REPO } from "./support/project";
import { startRecordingProxy, type RecordingProxy } from "./support/recording-proxy";

/**
 * The Jaeger UI's access chain, for real, on loopback: a real OIDC provider with two users →
 * oauth2-proxy built from its Go module, configured by the same builder as the cluster's
 * ConfigMap → Jaeger v2 query. A recording proxy in front of Jaeger shows what reached it.
 *
 * Only location parameters differ from the cluster (addresses, an http issuer on 127.0.0.1), plus
 * one documented exception: cookies without the Secure attribute, because this test speaks plain
 * HTTP (in the cluster TLS ends at the ingress and cookies are always Secure).
 */
const OAUTH2_PROXY_BINARY = path.join(REPO, ".tools", "bin", "oauth2-proxy");

// Fictitious users; only their group membership matters.
const SUPPORT_ENGINEER: TestUser = {
  login: "support-engineer",
  password: randomBytes(12).toString("base64url"),
  email: "support-engineer@example.test",
  groups: ["support", "staff"],
};
const OTHER_EMPLOYEE: TestUser = {
  login: "sales-employee",
  password: randomBytes(12).toString("base64url"),
  email: "sales-employee@example.test",
  groups: ["sales", "staff"],
};

/** Headers that would carry the user's identity or tokens to Jaeger: none may reach it. */
const IDENTITY_HEADERS = [
  "authorization",
  "x-forwarded-access-token",
  "x-forwarded-user",
  "x-forwarded-email",
  "x-forwarded-groups",
  "x-forwarded-preferred-username",
  "x-auth-request-user",
  "x-auth-request-email",
  "x-auth-request-access-token",
];

describe("access chain: OIDC → oauth2-proxy (support group) → Jaeger query", () => {
  const workDir = mkdtempSync(path.join(tmpdir(), "order-tracing-access-"));
  let jaeger: LocalJaeger;
  let tap: RecordingProxy;
  let idp: TestIdentityProvider;
  let proxy: ManagedProcess;
  let publicUrl: string;

  beforeAll(async () => {
    for (const binary of [OAUTH2_PROXY_BINARY, path.join(REPO, ".tools", "bin", "jaeger")]) {
      if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`bash tools/build.sh oauth2-proxy jaeger\``);
    }
    jaeger = await startLocalJaeger({ logDir: workDir });
    await jaeger.sendOtlpJson(oneSpan("shop-api", "POST /orders"));
    await waitForService(jaeger.queryUrl, "shop-api");
    tap = await startRecordingProxy(jaeger.queryUrl);

    // The defaults that matter (group "support", claim "groups", scopes) come from the stack config.
    const access = parsedAccess(NGINX_ACCESS);
    const proxyPort = await freePort();
    publicUrl = `http://${LOOPBACK}:${proxyPort}`;
    idp = await startIdentityProvider({
      users: [SUPPORT_ENGINEER, OTHER_EMPLOYEE],
      clientId: access.oidc.clientId,
      redirectUri: `${publicUrl}${OAUTH2_PROXY_PATHS.callback}`,
      groupsClaim: access.oidc.groupsClaim,
    });

    const configFile = path.join(workDir, "oauth2-proxy.cfg");
    writeFileSync(
      configFile,
      renderOAuth2ProxyConfig(
        buildOAuth2ProxyConfig({
          listenAddress: `${LOOPBACK}:${proxyPort}`,
          publicUrl,
          upstreamUrl: tap.url,
          basePath: "/",
          oidc: { ...access.oidc, issuerUrl: idp.issuer },
          secureCookies: false,
        }),
      ),
    );
    proxy = startProcess({
      name: "oauth2-proxy",
      command: OAUTH2_PROXY_BINARY,
      args: ["--config", configFile],
      env: {
        PATH: process.env.PATH,
        [OAUTH2_PROXY_SECRET_ENV.clientSecret]: idp.clientSecret,
        [OAUTH2_PROXY_SECRET_ENV.cookieSecret]: randomBytes(32).toString("base64url"),
      },
      logDir: workDir,
    });
    await waitForHttp(`${publicUrl}${OAUTH2_PROXY_PATHS.ping}`, { process: proxy, timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await proxy?.stop();
    await idp?.close();
    await tap?.close();
    await jaeger?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Opens the UI, is sent to the IdP, signs in there, and follows the redirects back. */
  async function signIn(browser: Browser, user: TestUser): Promise<Page> {
    const loginForm = await browser.follow(await browser.open(`${publicUrl}/search`));
    expect(loginForm.url.startsWith(`${idp.issuer}/interaction/`), loginForm.url).toBe(true);
    const afterLogin = await browser.open(loginForm.url, { login: user.login, password: user.password });
    return browser.follow(afterLogin);
  }

  it("sends an anonymous visitor to the identity provider (PKCE S256) and answers the API with 401; nothing reaches Jaeger", async () => {
    const before = tap.requests.length;
    const browser = new Browser();
    const page = await browser.open(`${publicUrl}/`);
    expect(page.status).toBe(302);
    const location = new URL(page.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(`${idp.issuer}/auth`);
    expect(location.searchParams.get("client_id")).toBe("jaeger-ui");
    expect(location.searchParams.get("redirect_uri")).toBe(`${publicUrl}/oauth2/callback`);
    expect(location.searchParams.get("scope")).toBe("openid email profile groups");
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");

    const api = await browser.open(`${publicUrl}/api/services`);
    expect(api.status).toBe(401);
    const forged = await fetch(`${publicUrl}/api/services`, {
      headers: { "x-forwarded-user": "support-engineer", "x-forwarded-groups": "support" },
      redirect: "manual",
    });
    expect(forged.status).toBe(401);
    expect(tap.requests.length - before).toBe(0);
  });

  it("gives a member of the support group the Jaeger UI and its API, with no identity or token forwarded", async () => {
    const before = tap.requests.length;
    const browser = new Browser();
    const landed = await signIn(browser, SUPPORT_ENGINEER);
    expect(landed.status).toBe(200);
    expect(landed.url).toBe(`${publicUrl}/search`);
    // Jaeger query's UI handler: it injects the UI config into the page it serves. (A Jaeger built
    // from its Go module serves a placeholder page instead of the jaeger-ui assets, which its
    // release builds embed; the handler, the routes and the config injection are the same.)
    expect(landed.body).toContain("JAEGER_CONFIG");
    expect(landed.body).toMatch(/JAEGER_VERSION = \{.*"gitVersion":"v\d/);

    const session = browser.setCookies.find((c) => c.startsWith("_oauth2_proxy="));
    expect(session, browser.setCookies.join("\n")).toBeDefined();
    expect(session).toMatch(/; HttpOnly/i);
    expect(session).toMatch(/; SameSite=Lax/i);

    const services = await browser.open(`${publicUrl}/api/services`);
    expect(services.status).toBe(200);
    expect(JSON.parse(services.body).data).toContain("shop-api");

    const reached = tap.requests.slice(before);
    expect(reached.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /search", "GET /api/services"]);
    for (const request of reached) {
      for (const header of IDENTITY_HEADERS)
        expect(request.headers[header], `${header} on ${request.url}`).toBeUndefined();
    }
  });

  it("refuses a signed-in user outside the support group with 403; nothing reaches Jaeger", async () => {
    const before = tap.requests.length;
    const browser = new Browser();
    const refused = await signIn(browser, OTHER_EMPLOYEE);
    expect(refused.url.startsWith(`${publicUrl}/oauth2/callback`)).toBe(true);
    expect(refused.status).toBe(403);
    expect(browser.cookieNames()).not.toContain("_oauth2_proxy");

    const again = await browser.open(`${publicUrl}/api/services`);
    expect(again.status).toBe(401);
    expect(tap.requests.length - before).toBe(0);
  });

  it("the identity provider refuses a wrong password (the users are real accounts, not any-login)", async () => {
    const browser = new Browser();
    const loginForm = await browser.follow(await browser.open(`${publicUrl}/`));
    const refused = await browser.open(loginForm.url, { login: SUPPORT_ENGINEER.login, password: "wrong" });
    expect(refused.status).toBe(401);
    expect(idp.refusedLogins).toContain(SUPPORT_ENGINEER.login);
  });
});

/** An OTLP/JSON export request with one span, so Jaeger's API has a service to list. */
function oneSpan(service: string, name: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: randomBytes(16).toString("hex"),
                spanId: randomBytes(8).toString("hex"),
                name,
                kind: 2,
                startTimeUnixNano: String(now - 5_000_000n),
                endTimeUnixNano: String(now),
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Waits until Jaeger lists the service (its pipeline batches spans before storing them). */
async function waitForService(queryUrl: string, service: string): Promise<void> {
  await pollJson<{ data: string[] | null }>(
    `${queryUrl}/api/services`,
    (status, answer) => status === 200 && answer?.data?.includes(service) === true,
    30_000,
  );
}
