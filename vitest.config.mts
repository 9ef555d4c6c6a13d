import { defineConfig } from "vitest/config";

// One runner for the whole repo. `unit` is pure and fast; `integration` runs the real binaries
// (pulumi engine, provider, collector, Jaeger, RabbitMQ, …) and so runs its files one at a time.
// CI sets ORDER_TRACING_TEST_REPORT to also get a JSON report with the counts.
const report = process.env.ORDER_TRACING_TEST_REPORT;

export default defineConfig({
  test: {
    reporters: report ? ["default", ["json", { outputFile: report }]] : ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/*.integration.test.ts", ".tools/**"],
          // Unit tests share the cores with the integration tests in `npm test`: a few start a
          // process (ts-node), which took over vitest's default 5 s there once.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/*.integration.test.ts"],
          exclude: ["**/node_modules/**", ".tools/**", "test/cluster/**"],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          // The single-node cluster (test/cluster/, docs/cluster.md) claims machine-wide state while
          // it runs (kubelet sysctls, iptables chains, cgroups; restored at its end): a group of its
          // own, so never beside other tests. vitest runs groups one after another: unit (group 0),
          // then this, then the one-file-at-a-time integration files.
          name: "cluster",
          include: ["test/cluster/**/*.integration.test.ts"],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
