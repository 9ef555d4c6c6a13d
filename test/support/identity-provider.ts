import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1 for tests: one
 * confidential client, a fixed set of users with passwords and groups, a plain login form, and
 * consent given implicitly (a company IdP does not ask its staff to consent to an internal tool).
 * Every user is fictitious.
 */
export interface TestUser {
  login: string;
  password: string;
  email: string;
  groups: string[];
}

export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Logins the provider refused (wrong password or unknown user). */
  refusedLogins: string[];
  close(): Promise<void>;
}

export interface IdentityProviderOptions {
  users: TestUser[];
  clientId: string;
  redirectUri: string;
  /** The claim that carries the groups (the proxy's `oidc_groups_claim`). */
  groupsClaim: string;
  /**
   * Serve https with this certificate, under the issuer host `tls.host` (a name the certificate
   * holds, by which clients elsewhere reach this port, e.g. through a relay).
   */
  tls?: { host: string; certPem: string; keyPem: string };
}

/**
 * Starts the provider on a free loopback port; the issuer is `http://127.0.0.1:<port>`, or
 * `https://<tls.host>:<port>` with `tls`.
 */
export async function startIdentityProvider(options: IdentityProviderOptions): Promise<TestIdentityProvider> {
  const { tls } = options;
  const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem }) : http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = tls ? `https://${tls.host}:${port}` : `http://127.0.0.1:${port}`;
  const clientSecret = randomBytes(24).toString("base64url");
  const users = new Map(options.users.map((u) => [u.login, u]));
  const refusedLogins: string[] = [];

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    // Claims go into the ID token, as most company IdPs put the groups there.
    conformIdTokenClaims: false,
    scopes: ["openid", "email", "profile", "groups"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: [options.groupsClaim] },
    // PKCE for every client, as hardened IdPs require: the proxy must send an S256 challenge.
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    // A signing key of this run, and short lifetimes: nothing outlives the test.
    jwks: { keys: [generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" })] },
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    findAccount: (_ctx, sub) => {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: user.email,
          email_verified: true,
          name: user.login,
          [options.groupsClaim]: user.groups,
        }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  const oidc = provider.callback();

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const match = /^\/interaction\/([^/?]+)/.exec(req.url ?? "");
    if (!match) {
      void oidc(req, res);
      return;
    }
    interaction(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === "consent") {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
      if (!grant) throw new Error("grant vanished during consent");
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method !== "POST") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(
        `<form method="post" action="/interaction/${details.uid}">` +
          `<input name="login"><input name="password" type="password"><button>Sign in</button></form>`,
      );
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const user = users.get(form.get("login") ?? "");
    if (!user || user.password !== form.get("password")) {
      refusedLogins.push(form.get("login") ?? "");
      res.statusCode = 401;
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end("invalid login or password");
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.login } },
      { mergeWithLastSubmission: false },
    );
  }

  return {
    issuer,
    clientId: options.clientId,
    clientSecret,
    refusedLogins,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
