/** One measured figure: the median of repeated runs, with their min and max. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  /** Extra figures for latency distributions. */
  readonly p50?: number;
  readonly p99?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    throw new Error('percentile of no samples');
  }
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(name: string, unit: string, samples: readonly number[]): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    name,
    unit,
    median: percentile(sorted, 50),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    runs: sorted.length,
  };
}

/** A latency distribution: p50 and p99 over many calls. */
export function latency(name: string, samplesMs: readonly number[]): Figure {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    ...summarize(name, 'ms', sorted),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
