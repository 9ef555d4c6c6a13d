/**
 * Just enough of a browser for login flows over plain HTTP on 127.0.0.1: a cookie jar, manual
 * redirects that can be followed hop by hop, and form posts. Cookies are keyed by name only: every
 * server of a test runs on 127.0.0.1, and browsers do not scope cookies by port either.
 */
export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export class Browser {
  private readonly jar = new Map<string, string>();
  /** Every Set-Cookie header received, as sent (for asserting cookie attributes). */
  readonly setCookies: string[] = [];
  /** Every URL requested, in order. */
  readonly visited: string[] = [];

  /** One request, no redirect followed. */
  async open(url: string, form?: Record<string, string>): Promise<Page> {
    this.visited.push(url);
    const headers: Record<string, string> = {};
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const init: RequestInit = { redirect: "manual", headers };
    if (form) {
      init.method = "POST";
      headers["content-type"] = "application/x-www-form-urlencoded";
      init.body = new URLSearchParams(form).toString();
    }
    const response = await fetch(url, init);
    for (const cookie of response.headers.getSetCookie()) this.store(cookie);
    return { url, status: response.status, headers: response.headers, body: await response.text() };
  }

  /** Follows redirects from `page` until a non-redirect answer (at most `maxHops`). */
  async follow(page: Page, maxHops = 20): Promise<Page> {
    let current = page;
    for (let hop = 0; hop < maxHops && isRedirect(current.status); hop++) {
      current = await this.open(new URL(current.headers.get("location") ?? "", current.url).toString());
    }
    if (isRedirect(current.status)) throw new Error(`more than ${maxHops} redirects from ${page.url}`);
    return current;
  }

  cookieNames(): string[] {
    return [...this.jar.keys()];
  }

  private store(setCookie: string): void {
    this.setCookies.push(setCookie);
    const [pair, ...attributes] = setCookie.split(";").map((part) => part.trim());
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const expired = attributes.some((a) => {
      const [key, v] = a.split("=");
      if (key.toLowerCase() === "max-age") return Number(v) <= 0;
      if (key.toLowerCase() === "expires") return Date.parse(v) <= Date.now();
      return false;
    });
    if (expired || value === "") this.jar.delete(name);
    else this.jar.set(name, value);
  }
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}
