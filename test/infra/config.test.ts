import { DEFAULT_STAGE } from '../../lib/config';
import { synthStage } from './helpers/app';

// The rules themselves are checked without synth in test/unit/config.test.ts; this checks that
// synth applies them.
it('fails synth itself on a bad setting, before any resource is built', () => {
  expect(() =>
    synthStage(DEFAULT_STAGE, {
      configure: (c) => ({ ...c, database: { ...c.database, minCapacity: 8, maxCapacity: 4 } }),
    }),
  ).toThrow(/database\.minCapacity must not exceed database\.maxCapacity/);
});
