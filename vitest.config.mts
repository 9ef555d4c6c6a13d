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
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/*.integration.test.ts"],
          exclude: ["**/node_modules/**", ".tools/**"],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
