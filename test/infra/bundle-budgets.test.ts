/**
 * Every handler bundle, built exactly as AppFunction builds it (the benchmark's bundleHandler),
 * stays within its size budget: what a cold start loads. The benchmark prints the same figures;
 * this makes a miss fail the suite instead of a line in a report.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchBundles, type BundleFigure } from '../../scripts/bench/build';
import { driversMissingFrom } from '../../scripts/bench/floor';
import { TARGETS } from '../../scripts/bench/targets';

let bundles: BundleFigure[] = [];
let outDir = '';

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-budgets-'));
  bundles = await benchBundles(outDir);
}, 120_000);

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

describe('handler bundles', () => {
  it('builds one bundle per entry point', () => {
    expect(bundles.length).toBe(
      fs.readdirSync(path.join(__dirname, '..', '..', 'lambda', 'handlers')).length,
    );
  });

  it('keep within their budgets (drivers of pg and ioredis have a larger one)', () => {
    const misses = bundles
      .map((b) => ({ ...b, budget: b.carriesDriver ? TARGETS.driverBundleBytes : TARGETS.bundleBytes }))
      .filter((b) => b.bytes > b.budget)
      .map((b) => `${b.handler}: ${(b.bytes / 1024).toFixed(1)} KB > ${b.budget / 1024} KB`);
    expect(misses).toEqual([]);
  });

  it("have init floors that load nothing the handler's bundle lacks", () => {
    expect(bundles.flatMap((b) => driversMissingFrom(b.metafile, b.functionKey))).toEqual([]);
    // The check sees a driver the bundle lacks: upload-complete carries neither pg nor ioredis.
    const uploadComplete = bundles.find((b) => b.functionKey === 'uploadComplete');
    expect(uploadComplete && driversMissingFrom(uploadComplete.metafile, 'profilesApi')).toEqual([
      'postgres: pg',
      'postgres: @aws-sdk/rds-signer',
      'postgresReader: pg',
      'postgresReader: @aws-sdk/rds-signer',
      'cache: ioredis',
      'cache: @smithy/signature-v4',
      'cache: @aws-sdk/credential-providers',
    ]);
  });

  it('carry the schema library only where HTTP input is validated', () => {
    const withZod = bundles
      .filter((b) => fs.readFileSync(`${b.file}.map`, 'utf8').includes('node_modules/zod/'))
      .map((b) => b.handler)
      .sort();
    expect(withZod).toEqual(['photos-api', 'profiles-api']);
  });

  it('build no response shape and no OpenAPI document at init (the tests and the docs use them)', () => {
    const carrying = bundles.flatMap((b) =>
      Object.keys(b.metafile.inputs)
        .filter((input) => /^contract\/(responses|openapi)\.ts$/.test(input))
        .map((input) => `${b.handler}: ${input}`),
    );
    expect(carrying).toEqual([]);
    // The inputs are named as the check expects (paths from the repository root).
    expect(bundles.every((b) => Object.hasOwn(b.metafile.inputs, 'contract/functions.ts'))).toBe(true);
  });
});
