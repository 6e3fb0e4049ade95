/**
 * Synth time against a floor: `cdk synth` of each stage, bundling included, and of the floor app
 * (bin/app.ts with `-c synthFloor=true`: one empty stack, through the same cdk.json entry, CLI,
 * TypeScript loader and validation engines), each run in a fresh process and an empty output
 * folder. The runs go round-robin (floor, dev, prod, floor, dev, prod, ...), and each stage's
 * ratio is taken against the floor of its own round, so that it measures the app rather than
 * this machine, whose speed drifts by 20 % within minutes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StageName } from '../../lib/config';
import { summarize, type Figure } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');

/** cdk writes a lot (bundling progress); spawnSync's default 1 MiB would kill it. */
const OUTPUT_LIMIT = 64 * 1024 * 1024;

export interface StageSynth {
  readonly stage: StageName;
  /** Wall time of the stage's synth. */
  readonly synth: Figure;
  /** Its synth over the floor's of the same round. */
  readonly overFloor: Figure;
}

export interface SynthRound {
  /** Wall time of the floor app's synth. */
  readonly floor: Figure;
  readonly stages: readonly StageSynth[];
}

/** Seconds of wall time of one `cdk synth` with these context arguments. */
function timeSynth(label: string, context: readonly string[]): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `photo-synth-${label}-`));
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--output', out, ...context.flatMap((c) => ['-c', c])],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: OUTPUT_LIMIT,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      },
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) {
      throw new Error(`cdk synth (${label}) failed:\n${result.stderr}`);
    }
    return elapsed;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** `runs` rounds of the floor and every stage, in that order. */
export function benchSynthRound(stages: readonly StageName[], runs: number): SynthRound {
  const floor: number[] = [];
  const samples = stages.map(() => [] as number[]);
  const ratios = stages.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    const floorSeconds = timeSynth('floor', ['synthFloor=true']);
    floor.push(floorSeconds);
    stages.forEach((stage, i) => {
      const seconds = timeSynth(stage, [`stage=${stage}`]);
      samples[i].push(seconds);
      ratios[i].push(seconds / floorSeconds);
    });
  }
  return {
    floor: summarize('cdk synth of the floor app (one empty stack)', 's', floor),
    stages: stages.map((stage, i) => ({
      stage,
      synth: summarize(`cdk synth ${stage} (bundling, cold process)`, 's', samples[i]),
      overFloor: summarize(`cdk synth ${stage} / floor`, 'x', ratios[i]),
    })),
  };
}
