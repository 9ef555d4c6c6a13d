import { describe, expect, it } from "vitest";
import type { ReportJson } from "./format";
import { renderReportPage, traceIdOf } from "./page";

const report = (stuck: ReportJson["stuck"]): ReportJson => ({
  stuck,
  byStatus: [
    {
      status: "SENT_TO_MES",
      stuckCount: stuck.length,
      p50Ms: 580,
      p95Ms: 900,
      current: stuck.length,
      entered: 3,
      distribution: [1, 0, 0, 0, 0, 0, 0, 0, 0],
    },
  ],
  byService: [{ service: "crm", p50Ms: 4, p95Ms: 15, share: 1, entrySpans: 7 }],
  summary: {
    from: "2026-11-25T07:00:00.000Z",
    to: "2026-11-25T11:00:00.000Z",
    stuckAfterMs: 1_800_000,
    orders: 3,
    traces: 9,
    timeInStatusBucketsMs: [1_000, 10_000, 60_000, 600_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000],
    statusOwners: {},
  },
});

const order = (fields: Partial<ReportJson["stuck"][number]>): ReportJson["stuck"][number] => ({
  orderId: "ord-1",
  status: "SENT_TO_MES",
  since: "2026-11-25T09:00:00.000Z",
  service: "crm",
  operation: "mes.work-orders publish",
  error: null,
  traceId: "0af7651916cd43dd8448eb211c80319c",
  traceUrl: "https://jaeger.internal.example/trace/0af7651916cd43dd8448eb211c80319c",
  reason: "recorded-status",
  traceEnd: { service: "crm", operation: "mes.work-orders publish" },
  logsUrl: null,
  ...fields,
});

describe("renderReportPage", () => {
  it("is one self-contained document: no script, no external resource, a policy that forbids both", () => {
    const html = renderReportPage(report([order({})]));
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).toContain('data-trace-id="0af7651916cd43dd8448eb211c80319c"');
    expect(html).toContain(">2h</td>"); // stuck for: from `since` to the window's end
  });

  it("escapes every text it shows and links only http(s) trace URLs", () => {
    const html = renderReportPage(
      report([
        order({
          orderId: '<script>alert("x")</script>',
          error: "a < b & \"c\" 'd'",
          traceId: "abc",
          traceUrl: "javascript:alert(1)//trace/abc",
        }),
      ]),
    );
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("a &lt; b &amp; &quot;c&quot; &#39;d&#39;");
    expect(html).not.toContain("javascript:");
    expect(html).toContain('<span class="mono">abc</span>');
  });

  it("says so when no order is stuck, and refreshes itself only when asked (a served page)", () => {
    const html = renderReportPage(report([]), { refreshSeconds: 60, title: "Orders" });
    expect(html).toContain("No stuck orders.");
    expect(html).toContain('<meta http-equiv="refresh" content="60">');
    expect(html).toContain("<title>Orders</title>");
    expect(renderReportPage(report([]))).not.toContain('http-equiv="refresh"');
  });
});

describe("renderReportPage: trace ids and logs links (issue 21)", () => {
  it("shows each stuck order's full trace id, and a Logs column with its link when a template was given", () => {
    const plain = renderReportPage(report([order({})]));
    expect(plain).toContain('data-trace-id="0af7651916cd43dd8448eb211c80319c"');
    expect(plain).not.toContain("<th>Logs</th>");
    const logsUrl = "https://logs.internal.example/search?q=trace_id:0af7651916cd43dd8448eb211c80319c&order=ord-1";
    const linked = renderReportPage(
      report([order({ logsUrl }), order({ orderId: "ord-2", logsUrl: "javascript:alert(1)" })]),
    );
    expect(linked).toContain("<th>Logs</th>");
    expect(linked).toContain(`href="${logsUrl.replace(/&/g, "&amp;")}"`);
    expect(linked).not.toContain("javascript:");
  });
});

describe("traceIdOf", () => {
  it("takes the id from a trace link", () => {
    expect(traceIdOf("http://127.0.0.1:16686/jaeger/trace/abc123")).toBe("abc123");
    expect(traceIdOf("http://127.0.0.1:16686/")).toBe("");
  });
});
