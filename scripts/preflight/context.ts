import type { StageNeeds } from './stage-needs';

/** What every check may read: where it runs, who calls, what the stage needs and what is deployed already. */
export interface CheckContext {
  readonly region: string;
  readonly account: string;
  readonly needs: StageNeeds;
  /** Status of each stage stack that exists already, by stack name. */
  readonly deployed: ReadonlyMap<string, string>;
}

/** Stacks of the stage that are not deployed yet, i.e. whose resources a deploy will create. */
export function toCreate<T extends { readonly stackName: string }>(
  items: readonly T[],
  ctx: CheckContext,
): T[] {
  return items.filter((item) => !ctx.deployed.has(item.stackName));
}

export const sum = (items: readonly { readonly count: number }[]): number =>
  items.reduce((n, item) => n + item.count, 0);
