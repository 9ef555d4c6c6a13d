// Generates the provider's embedded files from the module's schema.json and terraform-mapping.json,
// stamping the schema with the release version (what upstream's generate.go does).
// Usage: node embed-schema.mjs <provider cmd dir> <output dir> <version>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [sourceDir, outputDir, version] = process.argv.slice(2);
if (!sourceDir || !outputDir || !version) {
  console.error("usage: node embed-schema.mjs <provider cmd dir> <output dir> <version>");
  process.exit(2);
}
const schema = JSON.parse(readFileSync(join(sourceDir, "schema.json"), "utf8"));
schema.version = version;
writeFileSync(join(outputDir, "schema-embed.json"), JSON.stringify(schema));
const mapping = JSON.parse(readFileSync(join(sourceDir, "terraform-mapping.json"), "utf8"));
writeFileSync(join(outputDir, "terraform-mapping-embed.json"), JSON.stringify(mapping));
