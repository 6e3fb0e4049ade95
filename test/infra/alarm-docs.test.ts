import * as fs from 'node:fs';
import { alarmCounts, README, readmeAlarmTable, renderAlarmTable } from '../../scripts/alarm-table';

describe("the README's alarm table", () => {
  it('is the table the alarm catalog and the stage configs give (refresh: npx tsx scripts/alarm-table.ts --write)', () => {
    const table = readmeAlarmTable(fs.readFileSync(README, 'utf8'));
    expect(table).toBe(renderAlarmTable(alarmCounts()));
  });
});
