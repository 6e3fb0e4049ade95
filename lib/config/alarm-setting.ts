import type { AlarmSetting } from './schema';

/** An alarm setting in the order people read it: fires at `threshold` in `datapointsToAlarm` of `evaluationPeriods` periods. */
export function alarm(
  threshold: number,
  periodMinutes: number,
  evaluationPeriods: number,
  datapointsToAlarm = evaluationPeriods,
): AlarmSetting {
  return { threshold, periodMinutes, evaluationPeriods, datapointsToAlarm };
}
