/**
 * The README's alarm table, rendered from the alarm catalog (lib/alarm-catalog.ts)
 * and the stage configs, so the docs cannot drift from either:
 * test/infra/alarm-docs.test.ts fails when README.md holds another table.
 *
 *   npx tsx scripts/alarm-table.ts            # prints the block
 *   npx tsx scripts/alarm-table.ts --write    # replaces it in README.md
 */
import { App } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALARM_CATALOG, ALARM_KINDS, MONITORED_KIND_LABELS } from '../lib/alarm-catalog';
import { STAGE_CONFIGS, STAGE_NAMES, type AlarmSetting, type StageName } from '../lib/config';
import { buildPhotoApp } from '../lib/photo-app';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from './cdk-context';

export const README = path.join(__dirname, '..', 'README.md');
export const ALARM_TABLE_START = '<!-- alarm table: written by scripts/alarm-table.ts, do not edit -->';
export const ALARM_TABLE_END = '<!-- end of alarm table -->';

/** Alarms each stage raises, counted on the stacks as bin/app.ts builds them (no bundling). */
export function alarmCounts(): Record<StageName, number> {
  return Object.fromEntries(
    STAGE_NAMES.map((stage) => {
      const app = new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
      return [stage, buildPhotoApp(app, STAGE_CONFIGS[stage]).monitoring.operations.alarms.length];
    }),
  ) as Record<StageName, number>;
}

function window(setting: AlarmSetting): string {
  return `${setting.threshold} in ${setting.datapointsToAlarm} of ${setting.evaluationPeriods} x ${setting.periodMinutes} min`;
}

/** A Markdown table laid out the way Prettier lays it out (cells padded to their column's width). */
function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, i) => Math.max(3, title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The block between the markers: one row per alarm kind with each stage's threshold, then the count per stage. */
export function renderAlarmTable(counts: Readonly<Record<StageName, number>>): string {
  const rows = ALARM_KINDS.map((kind) => {
    const row = ALARM_CATALOG[kind];
    const only = 'only' in row ? ` ${row.only.described}` : '';
    return [
      `\`${kind}\``,
      `${MONITORED_KIND_LABELS[row.resource]}${only}`,
      `${row.title} (${row.unit})`,
      row.treatMissingData === cloudwatch.TreatMissingData.BREACHING ? '**breaching**' : 'not breaching',
      ...STAGE_NAMES.map((stage) => window(STAGE_CONFIGS[stage].monitoring.alarms[kind])),
    ];
  });
  const table = markdownTable(
    ['kind', 'watches', 'alarm (value >= threshold)', 'missing data', ...STAGE_NAMES],
    rows,
  );
  const perStage = STAGE_NAMES.map((stage) => `${stage} ${counts[stage]}`).join(', ');
  return `${table}\n\nAlarms per stage: ${perStage}.`;
}

/** The block README.md holds now, or undefined without the markers. */
export function readmeAlarmTable(readme: string): string | undefined {
  const start = readme.indexOf(ALARM_TABLE_START);
  const end = readme.indexOf(ALARM_TABLE_END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + ALARM_TABLE_START.length, end).trim();
}

function main(): void {
  const block = renderAlarmTable(alarmCounts());
  if (!process.argv.includes('--write')) {
    console.log(`${ALARM_TABLE_START}\n\n${block}\n\n${ALARM_TABLE_END}`);
    return;
  }
  const readme = fs.readFileSync(README, 'utf8');
  if (readmeAlarmTable(readme) === undefined) {
    console.error(`README.md has no ${ALARM_TABLE_START} ... ${ALARM_TABLE_END} block to replace.`);
    process.exit(1);
  }
  const start = readme.indexOf(ALARM_TABLE_START) + ALARM_TABLE_START.length;
  const end = readme.indexOf(ALARM_TABLE_END);
  fs.writeFileSync(README, `${readme.slice(0, start)}\n\n${block}\n\n${readme.slice(end)}`);
  console.log('README.md: alarm table written');
}

if (require.main === module) {
  main();
}
