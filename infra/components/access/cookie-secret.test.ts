import { describe, expect, it } from "vitest";
import { cookieSecretProvider } from "./cookie-secret";

describe("cookieSecretProvider", () => {
  it("creates a fresh 32-byte secret (an AES-256 key for oauth2-proxy) each time it is created", async () => {
    const first = await cookieSecretProvider.create({});
    const second = await cookieSecretProvider.create({});
    const value = first.outs?.value as string;
    expect(Buffer.from(value, "base64url")).toHaveLength(32);
    expect(value).not.toBe(second.outs?.value);
    expect(first.id).not.toBe(second.id);
  });

  it("never changes the secret on later updates (sessions survive every `pulumi up`)", async () => {
    expect(await cookieSecretProvider.diff?.("id", { value: "old" }, {})).toEqual({ changes: false });
  });
});
