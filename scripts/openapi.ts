/**
 * `npm run openapi`: writes the API's OpenAPI document (contract/openapi.json) and the TypeScript
 * types generated from it (contract/openapi-types.ts), both from contract/openapi.ts, formatted
 * with the repository's Prettier settings so that `prettier --check` passes them.
 *
 * `npm run openapi -- --check` writes nothing and exits 1 when a committed file differs from a
 * fresh generation (the unit tests run it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import * as prettier from 'prettier';
import { buildOpenApiDocument } from '../contract/openapi';

const ROOT = join(__dirname, '..');
export const DOCUMENT_FILE = 'contract/openapi.json';
export const TYPES_FILE = 'contract/openapi-types.ts';

const TYPES_HEADER = `/**
 * Generated from ${DOCUMENT_FILE} by openapi-typescript: run \`npm run openapi\` after changing
 * the contract; do not edit. \`paths\` types an openapi-fetch client (scripts/smoke.ts does so).
 */
`;

async function formatted(file: string, text: string): Promise<string> {
  const path = join(ROOT, file);
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(text, { ...options, filepath: path });
}

/** The generated files' contents, by path relative to the repository root. */
export async function generate(): Promise<Record<string, string>> {
  const document = buildOpenApiDocument();
  // The document's own types are narrower than openapi-typescript's input type, not different.
  const ast = await openapiTS(document as unknown as OpenAPI3, { silent: true });
  return {
    [DOCUMENT_FILE]: await formatted(DOCUMENT_FILE, JSON.stringify(document)),
    [TYPES_FILE]: await formatted(TYPES_FILE, `${TYPES_HEADER}${astToString(ast)}`),
  };
}

function read(file: string): string | undefined {
  try {
    return readFileSync(join(ROOT, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** The first line where two texts differ, for a readable failure. */
function firstDifference(committed: string, fresh: string): string {
  const a = committed.split('\n');
  const b = fresh.split('\n');
  const line = a.findIndex((text, index) => text !== b[index]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(a[at] ?? '<end>')}, generated ${JSON.stringify(b[at] ?? '<end>')}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: 'boolean' } } });
  const files = await generate();
  if (values.check) {
    const stale = Object.entries(files).flatMap(([file, fresh]) => {
      const committed = read(file);
      if (committed === fresh) return [];
      return [`${file}: ${committed === undefined ? 'missing' : firstDifference(committed, fresh)}`];
    });
    if (stale.length > 0) {
      process.stderr.write(
        `The API contract changed but its generated files did not; run \`npm run openapi\`.\n${stale.join('\n')}\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`${Object.keys(files).join(' and ')} are up to date.\n`);
    return;
  }
  for (const [file, text] of Object.entries(files)) {
    if (read(file) === text) {
      process.stdout.write(`${file} unchanged\n`);
    } else {
      writeFileSync(join(ROOT, file), text);
      process.stdout.write(`${file} written\n`);
    }
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
