/**
 * oauth2-proxy's settings as a stack declares them: its config file (flat TOML, in a ConfigMap),
 * its environment (`OAUTH2_PROXY_<KEY>`) and its flags (`--<key>=…`), merged the way the proxy
 * does (flags over environment over file). Only what the access rules read.
 */
import { containersOf, type Props } from "./kubernetes";

export type ProxySettings = Record<string, string | boolean | string[]>;

/** Reads the flat `key = value` lines of oauth2-proxy's TOML config (strings, booleans, string lists). */
export function parseProxyConfigFile(text: string): ProxySettings {
  const settings: ProxySettings = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([a-z_][a-z0-9_]*)\s*=\s*(.+?)\s*$/.exec(line);
    if (!match) continue;
    const [, key, raw] = match;
    settings[key] = parseValue(raw);
  }
  return settings;
}

function parseValue(raw: string): string | boolean | string[] {
  if (raw === "true" || raw === "false") return raw === "true";
  try {
    const value: unknown = JSON.parse(raw.replace(/^'(.*)'$/, (_, s: string) => JSON.stringify(s)));
    if (Array.isArray(value)) return value.map(String);
    return String(value);
  } catch {
    return raw;
  }
}

/** Keys whose flag repeats (`--allowed-group=a --allowed-group=b`) and whose file key is plural. */
const LIST_FLAGS: Record<string, string> = { allowed_group: "allowed_groups", skip_auth_route: "skip_auth_routes" };

/** The settings a proxy container's environment and flags add to those of its config file. */
export function proxyContainerSettings(podSpec: Props, file: ProxySettings = {}): ProxySettings {
  const settings: ProxySettings = { ...file };
  for (const container of containersOf(podSpec)) {
    for (const variable of container?.env ?? []) {
      const name = variable?.name;
      if (typeof name !== "string" || !name.startsWith("OAUTH2_PROXY_") || typeof variable.value !== "string") continue;
      const key = name.slice("OAUTH2_PROXY_".length).toLowerCase();
      settings[key] = key.endsWith("s") && key !== "provider" ? variable.value.split(",") : variable.value;
    }
    const flags: string[] = [...(container?.command ?? []), ...(container?.args ?? [])].map(String);
    const lists: Record<string, string[]> = {};
    for (const flag of flags) {
      const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(flag);
      if (!match) continue;
      const key = match[1].replace(/-/g, "_");
      const value = match[2] ?? "true";
      if (LIST_FLAGS[key] !== undefined) (lists[LIST_FLAGS[key]] ??= []).push(value);
      else settings[key] = value === "true" || value === "false" ? value === "true" : value;
    }
    Object.assign(settings, lists);
  }
  return settings;
}

export function listSetting(settings: ProxySettings, key: string): string[] {
  const value = settings[key];
  if (Array.isArray(value)) return value;
  return typeof value === "string" && value !== "" ? value.split(",") : [];
}
