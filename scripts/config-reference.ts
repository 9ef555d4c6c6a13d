// Writes docs/configuration.md from the key declarations beside the config readers (infra/config):
//   npm run docs:config             rewrite the page
//   npm run docs:config -- --check  exit 1 when the committed page differs (what the unit test checks)
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { CONFIG_REFERENCE } from "../infra/config";
import { renderConfigReference } from "../infra/config/reference";

export const CONFIG_REFERENCE_PAGE = path.resolve(__dirname, "..", "docs", "configuration.md");

/** The page as the generator writes it: the declarations rendered, formatted by the repo's Prettier. */
export async function configReferencePage(): Promise<string> {
  const options = await prettier.resolveConfig(CONFIG_REFERENCE_PAGE);
  return prettier.format(renderConfigReference(CONFIG_REFERENCE), { ...options, filepath: CONFIG_REFERENCE_PAGE });
}

async function main(args: string[]): Promise<number> {
  const page = await configReferencePage();
  const relative = path.relative(process.cwd(), CONFIG_REFERENCE_PAGE);
  if (args.includes("--check")) {
    if (readFileSync(CONFIG_REFERENCE_PAGE, "utf8") === page) return 0;
    console.error(`${relative} differs from the key declarations in infra/config: run \`npm run docs:config\``);
    return 1;
  }
  writeFileSync(CONFIG_REFERENCE_PAGE, page);
  console.log(`wrote ${relative} (${CONFIG_REFERENCE.length} rows)`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
