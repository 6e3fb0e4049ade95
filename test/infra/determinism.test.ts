import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STAGE_NAMES, stageLabel } from '../../lib/config';
import { copyCheckout, deployedFiles, REPO_ROOT, synthInProcess } from './helpers/synth-process';

// Two synths of the real entry point per stage (two checkouts), bundles included, in parallel.
jest.setTimeout(180_000);

/**
 * The same commit must give the same templates and asset hashes wherever it
 * is checked out and wherever the assembly is written: otherwise a deploy
 * from CI re-uploads assets and replaces functions that did not change. Each
 * synth runs in its own process (module state, clocks and random seeds are
 * not shared), from this checkout and from a copy at another path, into an
 * output directory of its own.
 */
describe('synthesis', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'photoapp-determinism-'));
  const otherCheckout = path.join(work, 'other-checkout');
  const outdir = (checkout: string, stage: string) => path.join(work, `${checkout}-${stage}`);
  let started = 0;

  beforeAll(async () => {
    started = Date.now();
    copyCheckout(otherCheckout);
    const runs = STAGE_NAMES.flatMap((stage) => [
      { checkout: REPO_ROOT, outdir: outdir('this', stage), context: { stage } },
      { checkout: otherCheckout, outdir: outdir('other', stage), context: { stage } },
    ]);
    const results = await Promise.all(runs.map((run) => synthInProcess(run)));
    results.forEach((result, i) => {
      if (result.exitCode !== 0) throw new Error(`synth in ${runs[i].outdir} failed:\n${result.stderr}`);
    });
  });

  /** The stacks the cloud assembly lists (the copy stack exists only where the stage copies backups). */
  const stackCount = (dir: string): number =>
    Object.values(
      (
        JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
          artifacts: Record<string, { type: string }>;
        }
      ).artifacts,
    ).filter((artifact) => artifact.type === 'aws:cloudformation:stack').length;

  afterAll(() => {
    process.stdout.write(`determinism: ${2 * STAGE_NAMES.length} synths in ${Date.now() - started} ms\n`);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it.each(STAGE_NAMES)(
    'gives the %s stage byte-identical templates and asset manifests from two checkouts and two processes',
    (stage) => {
      const here = deployedFiles(outdir('this', stage));
      const there = deployedFiles(outdir('other', stage));
      // A template and an asset manifest per stack of the stage.
      expect(Object.keys(here)).toHaveLength(2 * stackCount(outdir('this', stage)));
      expect(Object.keys(there)).toEqual(Object.keys(here));
      for (const [name, bytes] of Object.entries(here)) {
        expect([name, there[name].equals(bytes)]).toEqual([name, true]);
      }
    },
  );

  it.each(STAGE_NAMES)(
    'compares real asset hashes: the %s bundles are built and named by content',
    (stage) => {
      const api = fs.readFileSync(
        path.join(outdir('this', stage), `PhotoApp-${stageLabel(stage)}-Api.template.json`),
        'utf8',
      );
      expect(api.match(/"S3Key":\s*"[0-9a-f]{64}\.zip"/g)?.length).toBeGreaterThanOrEqual(5);
      const bundles = fs.readdirSync(outdir('this', stage)).filter((name) => name.startsWith('asset.'));
      expect(fs.readdirSync(outdir('other', stage)).filter((name) => name.startsWith('asset.'))).toEqual(
        bundles,
      );
    },
  );
});
