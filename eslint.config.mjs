// ESLint for the whole repo (TypeScript, type-aware where it matters).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      ".tools/**",
      ".pulumi-state/**",
      "rendered/**",
      "bench/results/**",
      "instrumentation/build/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  // The layers (issue 20): each block forbids the imports that would make a lower layer depend on
  // a higher one. One rule per file set: ESLint applies the last matching block's options.
  {
    files: ["test/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "(^|/)bench/", message: "test/ never imports bench/; shared support lives in test/support/" },
          ],
        },
      ],
    },
  },
  {
    files: ["contract/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: ".", message: "the trace contract imports nothing: every layer imports it" }] },
      ],
    },
  },
  {
    files: ["instrumentation/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./\\.\\./(?!contract/)",
              message:
                "the instrumentation bundle imports nothing outside its package but the trace contract (no infra, cli, sandbox)",
            },
            { regex: "^@pulumi/", message: "the instrumentation bundle runs in the services, without Pulumi" },
          ],
        },
      ],
    },
  },
  {
    files: ["infra/{collector,jaeger,injection,network,storage,config}/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "(^|/)components(/|$)", message: "pure builders and config never import components" }] },
      ],
    },
  },
  {
    files: ["cli/**/*.ts", "sandbox/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^@pulumi/", message: "the command line and the sandbox run without the Pulumi engine" },
            {
              regex: "(^|/)infra/components(/|$)",
              message: "the command line uses infra's builders, never its components",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["cli/report/**/*.ts"],
    ignores: ["**/*.test.ts", "cli/report/testing/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^@pulumi/", message: "the report runs without the Pulumi engine" },
            {
              regex: "^\\.\\./\\.\\./(?!contract/|infra/config/validators$)",
              message:
                "the report (and its image, cli/report/tsconfig.image.json) imports from outside cli/ only contract/ and infra/config/validators.ts",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
