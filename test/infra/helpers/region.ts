import type { StageConfig } from '../../../lib/config';

/** How a stage's stacks name their own Region: `Ref AWS::Region`, or the literal where the stage pins one. */
export function regionOf(config: StageConfig): string | { readonly Ref: 'AWS::Region' } {
  return config.region ?? { Ref: 'AWS::Region' };
}

/**
 * The value CDK renders for `Fn::Join ['', parts]`: adjacent literal strings merged into one, and
 * a plain string when every part is one. Expectations that contain `regionOf(config)` use it, so
 * that they hold for Region-agnostic and for pinned stacks alike.
 */
export function joined(parts: readonly unknown[]): unknown {
  const merged: unknown[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else if (part !== '') merged.push(part);
  }
  if (merged.length === 1 && typeof merged[0] === 'string') return merged[0];
  return { 'Fn::Join': ['', merged] };
}

/** How a stage's stacks name their partition: `Ref AWS::Partition`, or `aws` where the stage pins a Region (CDK's partition literals). */
export function partitionOf(config: StageConfig): string | { readonly Ref: 'AWS::Partition' } {
  return config.region ? 'aws' : { Ref: 'AWS::Partition' };
}
