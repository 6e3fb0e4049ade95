/** What one check found, and for a failure how to fix it. */
export type CheckStatus = 'ok' | 'FAIL' | 'warn';

export interface CheckResult {
  readonly status: CheckStatus;
  readonly name: string;
  /** What the check found, with the numbers it compared. */
  readonly found: string;
  /** The exact command or setting that fixes a failure (a warn may carry one too). */
  readonly fix?: string;
}

export const ok = (name: string, found: string): CheckResult => ({ status: 'ok', name, found });
export const fail = (name: string, found: string, fix: string): CheckResult => ({
  status: 'FAIL',
  name,
  found,
  fix,
});
export const warn = (name: string, found: string, fix?: string): CheckResult =>
  fix === undefined ? { status: 'warn', name, found } : { status: 'warn', name, found, fix };

/** One line per result, columns aligned so a failure stands out in a long list. */
export function formatResults(results: readonly CheckResult[]): string[] {
  const width = Math.max(0, ...results.map((r) => r.name.length));
  return results.map(
    (r) => `${r.status.padEnd(4)}  ${r.name.padEnd(width)}  ${r.found}${r.fix ? `; fix: ${r.fix}` : ''}`,
  );
}

export function summary(results: readonly CheckResult[]): string {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  const failed = count('FAIL');
  return `${failed} FAIL, ${count('warn')} warn, ${count('ok')} ok: ${
    failed > 0 ? 'fix the failures before `cdk deploy`' : 'nothing known blocks a first deploy'
  }`;
}

/** 1 when any check failed; 0 otherwise (warnings do not block). */
export function exitCodeOf(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}
