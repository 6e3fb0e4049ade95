/**
 * The pure half of `npm run restore-drill`: its arguments, the names of what it creates, the
 * restore window check and what it prints (the step table, the commands that delete what it
 * kept). The AWS calls are in run.ts.
 */
import { STAGE_NAMES, stageLabel } from '../../lib/config';

export const USAGE = `usage: npm run restore-drill -- --stage ${STAGE_NAMES.join('|')} [--to TIMESTAMP] [--keep] [--help]`;

export interface DrillArgs {
  readonly stage: string;
  /** Restore to this instant; without it, to each store's latest restorable time. */
  readonly to?: Date;
  /** Leave the restored table and cluster in place (and print how to delete them). */
  readonly keep: boolean;
}

export type ParsedArgs = { readonly help: true } | ({ readonly help: false } & DrillArgs);

// Seconds and a fraction are optional; the zone (Z or an offset) is not.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 instant with its zone: `2025-06-01T09:30Z`, `2025-06-01T11:30:00+02:00`. A time
 * without a zone would be read in the machine's zone, and a restore to the wrong hour is the
 * mistake this refuses; so is a day or an hour out of range (`02-30`, `24:00`), which `Date`
 * would roll over into the next month or day.
 */
export function parseTimestamp(text: string): Date {
  const match = TIMESTAMP.exec(text);
  const parsed = new Date(text);
  if (!match || Number.isNaN(parsed.getTime())) {
    throw new Error(
      `--to ${text} is not a timestamp with a zone, such as 2025-06-01T09:30Z or 2025-06-01T11:30+02:00`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const exact =
    wall.getUTCFullYear() === year &&
    wall.getUTCMonth() === month - 1 &&
    wall.getUTCDate() === day &&
    wall.getUTCHours() === hour &&
    wall.getUTCMinutes() === minute &&
    wall.getUTCSeconds() === second;
  if (!exact) throw new Error(`--to ${text} names a day or time that does not exist`);
  return parsed;
}

export function parseArgs(argv: readonly string[], now: Date): ParsedArgs {
  let stage: string | undefined;
  let toText: string | undefined;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--keep') keep = true;
    else if (arg === '--stage') stage = argv[++i] ?? '';
    else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else if (arg === '--to') toText = argv[++i] ?? '';
    else if (arg.startsWith('--to=')) toText = arg.slice('--to='.length);
    else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  // No default stage: the drill creates billed resources, so it names the stage it restores.
  if (stage === undefined) throw new Error(`--stage is required; ${USAGE}`);
  if (!(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new Error(`unknown stage "${stage}"; ${USAGE}`);
  }
  if (toText === undefined) return { help: false, stage, keep };
  const to = parseTimestamp(toText);
  if (to.getTime() > now.getTime()) {
    throw new Error(`--to ${toText} is in the future (now is ${now.toISOString()})`);
  }
  return { help: false, stage, to, keep };
}

/** The stack that holds the stage's table and cluster (named by lib/photo-app.ts). */
export function dataStackName(stage: string): string {
  return `PhotoApp-${stageLabel(stage)}-Data`;
}

/** `yyyymmddhhmm` in UTC: when the drill started, in the names of what it creates. */
export function drillStamp(at: Date): string {
  return at.toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

/** RDS identifiers: at most 63 letters, digits and hyphens, never ending in a hyphen. */
export const RDS_IDENTIFIER_MAX = 63;
export const TABLE_NAME_MAX = 255;

/** `base` cut so that `base + suffix` fits in `max` characters, without a hyphen before the suffix's own. */
export function withSuffix(base: string, suffix: string, max: number): string {
  return base.slice(0, max - suffix.length).replace(/-+$/, '') + suffix;
}

export interface DrillNames {
  readonly table: string;
  readonly cluster: string;
  readonly instance: string;
}

/** What the drill creates: named after the source and the start minute, so it is clear what they are. */
export function drillNames(
  source: { readonly table: string; readonly cluster: string },
  stamp: string,
): DrillNames {
  return {
    table: withSuffix(source.table, `-drill-${stamp}`, TABLE_NAME_MAX),
    cluster: withSuffix(source.cluster, `-drill-${stamp}`, RDS_IDENTIFIER_MAX),
    instance: withSuffix(source.cluster, `-drill-${stamp}-writer`, RDS_IDENTIFIER_MAX),
  };
}

/** Tags on the restored cluster and instance, so a forgotten one is easy to find and to tell from the stage's. */
export function drillTags(stage: string): Array<{ Key: string; Value: string }> {
  // Not the stage's own `project`/`stage` tags: a tag-based backup selection would pick up the copy.
  return [{ Key: 'restore-drill', Value: stage }];
}

export interface RestoreWindow {
  readonly earliest?: Date;
  readonly latest?: Date;
}

/** Why `to` is outside `window` (one line), or undefined when the store can restore to it. */
export function outsideWindow(what: string, to: Date, window: RestoreWindow): string | undefined {
  const { earliest, latest } = window;
  if (earliest && latest && to >= earliest && to <= latest) return undefined;
  const range = earliest && latest ? `${earliest.toISOString()} to ${latest.toISOString()}` : 'no time yet';
  return `${what} can be restored to ${range}, not to ${to.toISOString()}`;
}

export interface StepTiming {
  readonly step: string;
  readonly seconds: number;
  readonly ok: boolean;
}

/** The step table: one row per step in the order they started, seconds with one decimal. */
export function formatSteps(steps: readonly StepTiming[]): string[] {
  const width = Math.max('step'.length, ...steps.map((s) => s.step.length));
  const seconds = steps.map((s) => s.seconds.toFixed(1));
  const secondsWidth = Math.max('seconds'.length, ...seconds.map((s) => s.length));
  return [
    `${'step'.padEnd(width)}  ${'seconds'.padStart(secondsWidth)}  result`,
    ...steps.map(
      (s, i) => `${s.step.padEnd(width)}  ${seconds[i].padStart(secondsWidth)}  ${s.ok ? 'ok' : 'FAILED'}`,
    ),
  ];
}

export type ResourceKind = 'table' | 'instance' | 'cluster';

export interface DrillResource {
  readonly kind: ResourceKind;
  readonly name: string;
}

/** The order deletions must follow: a cluster can only go once its instance has. */
export const DELETION_ORDER: readonly ResourceKind[] = ['table', 'instance', 'cluster'];

/** The AWS CLI command that shows where `resource` stands. */
export function describeCommand(resource: DrillResource, region: string): string {
  const commands: Record<ResourceKind, string> = {
    table: `aws dynamodb describe-table --table-name ${resource.name}`,
    instance: `aws rds describe-db-instances --db-instance-identifier ${resource.name}`,
    cluster: `aws rds describe-db-clusters --db-cluster-identifier ${resource.name}`,
  };
  return `${commands[resource.kind]} --region ${region}`;
}

/** The AWS CLI commands that delete `resources`, in order. */
export function deleteCommands(resources: readonly DrillResource[], region: string): string[] {
  const commands: Record<ResourceKind, (name: string) => string[]> = {
    table: (name) => [`aws dynamodb delete-table --table-name ${name} --region ${region}`],
    instance: (name) => [
      `aws rds delete-db-instance --db-instance-identifier ${name} --skip-final-snapshot --region ${region}`,
      `aws rds wait db-instance-deleted --db-instance-identifier ${name} --region ${region}`,
    ],
    cluster: (name) => [
      `aws rds delete-db-cluster --db-cluster-identifier ${name} --skip-final-snapshot --delete-automated-backups --region ${region}`,
    ],
  };
  return [...resources]
    .sort((a, b) => DELETION_ORDER.indexOf(a.kind) - DELETION_ORDER.indexOf(b.kind))
    .flatMap((r) => commands[r.kind](r.name));
}
