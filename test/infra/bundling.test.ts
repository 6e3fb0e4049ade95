/**
 * AppFunction bundles its handler within the synth's process (lib/constructs/app-function.ts):
 * each function gets a bundle of its own, byte for byte what handlerBuildOptions builds (the
 * options the benchmark and the runtime-SDK test bundle with), and a source map that names files
 * by their place in the repository rather than in the output folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { buildSync } from 'esbuild';
import { entryOf, FUNCTIONS, type FunctionDeclaration } from '../../contract/functions';
import { AppFunction, handlerBuildOptions, PROJECT_ROOT } from '../../lib/constructs/app-function';
import { CDK_JSON_CONTEXT } from '../../scripts/cdk-context';

/** Two small handlers; their environment groups are left out, since bundling does not read them. */
const DECLARATIONS = [
  { ...FUNCTIONS.health, environment: [] },
  { ...FUNCTIONS.schemaMigrations, environment: [] },
] as const satisfies readonly FunctionDeclaration[];

interface BuiltBundle {
  readonly declaration: FunctionDeclaration;
  readonly assetHash: string;
  readonly dir: string;
}

describe('handler bundling', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'photoapp-bundling-'));
  let bundles: BuiltBundle[];

  beforeAll(() => {
    // Bundling on (no aws:cdk:bundling-stacks), as the CLI synthesizes.
    const app = new App({ outdir: path.join(work, 'cdk.out'), context: { ...CDK_JSON_CONTEXT } });
    const stack = new Stack(app, 'Bundles');
    bundles = DECLARATIONS.map((declaration, i) => {
      const fn = new AppFunction(stack, `Function${i}`, {
        function: declaration,
        bindings: {},
        memorySize: 128,
        logRetentionDays: logs.RetentionDays.ONE_DAY,
        logRemovalPolicy: RemovalPolicy.DESTROY,
        invocation: { type: 'sync', caller: 'tests' },
      });
      const asset = fn.function.node.findChild('Code') as s3assets.Asset;
      return {
        declaration,
        assetHash: asset.assetHash,
        dir: path.join(app.outdir, asset.assetPath),
      };
    });
  }, 60_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('gives each function its own bundle', () => {
    expect(new Set(bundles.map((b) => b.assetHash)).size).toBe(DECLARATIONS.length);
  });

  it.each(DECLARATIONS.map((d) => [d.name, d] as const))(
    'deploys %s as handlerBuildOptions bundles it',
    (_name, declaration) => {
      const bundle = bundles.find((b) => b.declaration === declaration);
      const outfile = path.join(work, 'reference', declaration.name, 'index.js');
      const reference = buildSync({
        ...handlerBuildOptions(path.join(PROJECT_ROOT, entryOf(declaration)), outfile),
        write: false,
      }).outputFiles.find((file) => file.path === outfile);
      expect(bundle && fs.readdirSync(bundle.dir).sort()).toEqual(['index.js', 'index.js.map']);
      expect(bundle && fs.readFileSync(path.join(bundle.dir, 'index.js'), 'utf8')).toBe(reference?.text);
    },
  );

  it.each(DECLARATIONS.map((d) => [d.name, d] as const))(
    "names %s's sources from the repository root",
    (_name, declaration) => {
      const bundle = bundles.find((b) => b.declaration === declaration);
      const map = JSON.parse(fs.readFileSync(path.join(bundle?.dir ?? '', 'index.js.map'), 'utf8')) as {
        sources: string[];
      };
      expect(map.sources).toContain(entryOf(declaration));
      expect(map.sources.filter((source) => !/^(lambda|contract|node_modules)\//.test(source))).toEqual([]);
    },
  );
});
