/**
 * The app test files share one set of engines, assert on whole-store snapshots, and stop engines in
 * fault tests, so they must not overlap. `--runInBand` already guarantees that; this lock keeps it
 * true when jest runs them in parallel workers anyway (e.g. a plain `jest` on a many-core machine).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lockDir = join(tmpdir(), `photo-sharing-app-tests-${process.env.APP_TEST_RUN_ID ?? 'local'}.lock`);
let held = false;

beforeAll(async () => {
  for (;;) {
    try {
      mkdirSync(lockDir);
      held = true;
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}, 600_000);

afterAll(() => {
  if (held) rmSync(lockDir, { recursive: true, force: true });
  held = false;
});
