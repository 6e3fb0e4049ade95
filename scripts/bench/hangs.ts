/**
 * Time to an answer with each dependency hung (a black hole: accepts TCP, never answers), one
 * fresh process per dependency (scripts/bench/hang-probe.ts), against the benchmark's live engines
 * for everything else. The tests prove the answers (test/app/hangs.test.ts, also with engines
 * frozen by SIGSTOP); this reports how long they take and holds them to the function's timeout.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  HANG_DEPENDENCIES,
  HANG_EXPECTED,
  hangTimeoutMs,
  HANG_FUNCTION,
  type HangDependency,
  type HangScenario,
} from './hang-scenarios';
import { FUNCTIONS } from '../../contract/functions';

export interface HangFigure {
  readonly dependency: HangDependency;
  readonly function: string;
  readonly outcome: string;
  readonly ms: number;
  readonly timeoutMs: number;
  /** The outcome is the expected one (HANG_EXPECTED) and came within the timeout. */
  readonly met: boolean;
}

const PROBE = path.join(__dirname, 'hang-probe.ts');

export function benchHangs(scenario: HangScenario): HangFigure[] {
  return HANG_DEPENDENCIES.map((dependency) => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', PROBE, dependency, JSON.stringify(scenario)],
      {
        encoding: 'utf8',
        env: process.env,
        // Far beyond any function timeout here: a probe that hangs is a finding, not a stuck bench.
        timeout: 2 * hangTimeoutMs(dependency) + 30_000,
      },
    );
    if (result.status !== 0) {
      throw new Error(`hang probe (${dependency}) failed: ${result.error?.message ?? result.stderr}`);
    }
    const line = result.stdout.trim().split('\n').at(-1) ?? '';
    const { ms, outcome } = JSON.parse(line) as { ms: number; outcome: string };
    return {
      dependency,
      function: FUNCTIONS[HANG_FUNCTION[dependency]].name,
      outcome,
      ms,
      timeoutMs: hangTimeoutMs(dependency),
      met: outcome === HANG_EXPECTED[dependency] && ms < hangTimeoutMs(dependency),
    };
  });
}
