/**
 * The oauth2-proxy configuration as data: one typed object in oauth2-proxy's own config-file keys
 * (`--config`, TOML), built here and nowhere else. The cluster's ConfigMap and the access chain
 * test (test/access-chain.integration.test.ts) both render this builder's output; only the
 * location parameters differ (listen address, public URL, upstream, issuer).
 *
 * Secrets never enter the file: the client secret and the cookie secret reach the process as
 * environment variables (OAUTH2_PROXY_SECRET_ENV) from a Kubernetes Secret.
 */

import type { AccessConfig } from "../../config/access";

/** The environment variables oauth2-proxy reads its two secrets from. */
export const OAUTH2_PROXY_SECRET_ENV = {
  clientSecret: "OAUTH2_PROXY_CLIENT_SECRET",
  cookieSecret: "OAUTH2_PROXY_COOKIE_SECRET",
} as const;

/** oauth2-proxy's routes under its proxy prefix; the IdP must accept `<public URL>/oauth2/callback`. */
export const OAUTH2_PROXY_PATHS = { callback: "/oauth2/callback", ping: "/ping", ready: "/ready" } as const;

export interface OAuth2ProxySettings {
  /** `host:port` the proxy listens on (all interfaces in the pod, 127.0.0.1 in the test). */
  listenAddress: string;
  /** The URL people open, without a trailing slash, e.g. `https://jaeger.internal.example.com`. */
  publicUrl: string;
  /** Jaeger query's HTTP address; paths pass through unchanged. */
  upstreamUrl: string;
  /**
   * More upstreams, each with a path (`http://host:port/stuck-orders/`): oauth2-proxy routes the
   * requests under that path there, unchanged, behind the same sign-in (the longest prefix wins).
   */
  extraUpstreamUrls?: string[];
  /** Jaeger's base path (`jaeger.basePath`): `/`, or a prefix such as `/jaeger`. */
  basePath: string;
  /** The identity provider and who may pass (`access.oidc`; the issuer is a location parameter). */
  oidc: Pick<AccessConfig["oidc"], "issuerUrl" | "clientId" | "groupsClaim" | "allowedGroups" | "scopes">;
  /** Where the proxy finds `access.oidc.providerCa` (a location parameter); unset: the image's CAs. */
  providerCaFile?: string;
  /**
   * Cookies carry the Secure attribute. Always true in the cluster (TLS ends at the ingress); false
   * only in the loopback test, which speaks plain HTTP on 127.0.0.1.
   */
  secureCookies: boolean;
}

/** The subset of oauth2-proxy's config-file keys we set, with their types. */
export interface OAuth2ProxyConfig {
  http_address: string;
  reverse_proxy: boolean;
  real_client_ip_header: string;
  provider: "oidc";
  provider_display_name: string;
  oidc_issuer_url: string;
  /** Without it, Go's trust store (the image's public CAs); with it, only these files. */
  provider_ca_files?: string[];
  client_id: string;
  redirect_url: string;
  scope: string;
  code_challenge_method: "S256";
  oidc_groups_claim: string;
  allowed_groups: string[];
  email_domains: string[];
  upstreams: string[];
  api_routes: string[];
  skip_provider_button: boolean;
  cookie_secure: boolean;
  cookie_httponly: boolean;
  cookie_samesite: "lax" | "strict" | "none";
  cookie_expire: string;
  session_cookie_minimal: boolean;
  pass_access_token: boolean;
  pass_authorization_header: boolean;
  pass_basic_auth: boolean;
  pass_user_headers: boolean;
  set_xauthrequest: boolean;
  set_authorization_header: boolean;
  skip_auth_strip_headers: boolean;
  proxy_websockets: boolean;
  silence_ping_logging: boolean;
}

/** Builds the proxy's configuration for one location. Pure: same settings, same config. */
export function buildOAuth2ProxyConfig(settings: OAuth2ProxySettings): OAuth2ProxyConfig {
  const publicUrl = settings.publicUrl.replace(/\/+$/, "");
  return {
    http_address: settings.listenAddress,
    // Behind the ingress: trust its X-Forwarded-* headers (NetworkPolicy admits only the ingress).
    reverse_proxy: true,
    real_client_ip_header: "X-Forwarded-For",
    provider: "oidc",
    provider_display_name: "company sign-in",
    oidc_issuer_url: settings.oidc.issuerUrl,
    ...(settings.providerCaFile === undefined ? {} : { provider_ca_files: [settings.providerCaFile] }),
    client_id: settings.oidc.clientId,
    redirect_url: `${publicUrl}${OAUTH2_PROXY_PATHS.callback}`,
    scope: settings.oidc.scopes.join(" "),
    // PKCE on top of the client secret (RFC 9700): a stolen authorization code is useless.
    code_challenge_method: "S256",
    oidc_groups_claim: settings.oidc.groupsClaim,
    // The support role: a signed-in user outside these groups gets 403 and never reaches Jaeger.
    allowed_groups: settings.oidc.allowedGroups,
    // Group membership is the gate, not the e-mail domain.
    email_domains: ["*"],
    upstreams: [
      settings.upstreamUrl.endsWith("/") ? settings.upstreamUrl : `${settings.upstreamUrl}/`,
      ...(settings.extraUpstreamUrls ?? []),
    ],
    // Jaeger UI's XHR calls get 401 instead of a redirect to the identity provider.
    api_routes: [`^${settings.basePath.replace(/\/+$/, "")}/api/`],
    skip_provider_button: true,
    cookie_secure: settings.secureCookies,
    cookie_httponly: true,
    // Lax, not strict: the identity provider's redirect back to /oauth2/callback is a cross-site
    // navigation, and a strict CSRF cookie would not be sent with it.
    cookie_samesite: "lax",
    // A working day; after that the user signs in again and the group is checked again.
    cookie_expire: "8h",
    // The session cookie keeps no tokens at all (it is forwarded to Jaeger with the request).
    session_cookie_minimal: true,
    // Nothing about the user or their tokens goes to Jaeger.
    pass_access_token: false,
    pass_authorization_header: false,
    pass_basic_auth: false,
    pass_user_headers: false,
    set_xauthrequest: false,
    set_authorization_header: false,
    skip_auth_strip_headers: true,
    proxy_websockets: false,
    silence_ping_logging: true,
  };
}

/** Serialises the config as oauth2-proxy's TOML config file (flat keys; strings, booleans, lists). */
export function renderOAuth2ProxyConfig(config: OAuth2ProxyConfig): string {
  const lines = Object.entries(config).map(([key, value]) => `${key} = ${tomlValue(value as TomlValue)}`);
  return `# Generated by infra/components/access/oauth2-proxy-config.ts; secrets come from the environment.\n${lines.join("\n")}\n`;
}

type TomlValue = string | boolean | number | string[];

function tomlValue(value: TomlValue): string {
  if (Array.isArray(value)) return `[${value.map((v) => tomlString(v)).join(", ")}]`;
  if (typeof value === "string") return tomlString(value);
  return String(value);
}

/** A TOML basic string: JSON's escapes (\" \\ \n \t \uXXXX …) are all valid TOML escapes. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}
