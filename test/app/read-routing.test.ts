/**
 * Which database host each profile read goes to. The one local PostgreSQL stands in for the writer
 * and the readers (DB_READER_HOST = DB_HOST); here one of the two host names is sent into a black
 * hole on the engine's port of another loopback address, so the routes that still answer are the
 * ones that never use that host: public profiles on a cache miss read from the reader, the caller's
 * own profile (read-your-writes) and every write from the writer.
 */
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { dispose as disposeStream } from '../../lambda/handlers/stream-processor';
import type { BlackHole, IsolatedHandlers } from './support/hangs';
import { openBlackHole, withHandlersAt } from './support/hangs';
import { httpEvent, invoke } from './support/http';
import { newUserId } from './support/photos';

/** Loopback address the local PostgreSQL does not listen on (it listens on 127.0.0.1 only). */
const UNSERVED_HOST = '127.0.0.2';
const ENGINE_HOST = '127.0.0.1';

const isolated: IsolatedHandlers[] = [];
let hole: BlackHole;

beforeAll(async () => {
  hole = await openBlackHole({ host: UNSERVED_HOST, port: Number(process.env.DB_PORT) });
});
afterAll(async () => {
  // The black hole first: its dropped connections let the isolated pools end.
  await hole.close();
  await Promise.all(isolated.map((handlers) => handlers.dispose()));
  await Promise.all([disposeProfiles(), disposeStream()]);
});

/** A user with a profile that no public read has cached yet. */
async function userWithProfile(displayName: string): Promise<string> {
  const user = newUserId();
  const created = await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName } }));
  expect(created.statusCode).toBe(200);
  return user;
}

function profileCalls(api: IsolatedHandlers['profilesApi'], caller: string, other: string) {
  return {
    ownProfile: () => invoke(api, httpEvent('GET /me', { caller })),
    editOwnProfile: () => invoke(api, httpEvent('PUT /me', { caller, body: { displayName: 'Edited' } })),
    publicProfile: () =>
      invoke(api, httpEvent('GET /users/{userId}', { caller, pathParameters: { userId: other } })),
  };
}

describe('profile read routing', () => {
  it('reads public profiles on a cache miss from the reader, and nothing else', async () => {
    const caller = await userWithProfile('Caller');
    const other = await userWithProfile('Other');
    await withHandlersAt(
      { DB_HOST: ENGINE_HOST, DB_READER_HOST: UNSERVED_HOST },
      async (handlers) => {
        const calls = profileCalls(handlers.profilesApi, caller, other);
        expect((await calls.ownProfile()).statusCode).toBe(200);
        expect((await calls.editOwnProfile()).statusCode).toBe(200);
        const publicRead = await calls.publicProfile();
        expect(publicRead.statusCode).toBe(503);
        expect(publicRead.json).toEqual({
          error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'Profile database is temporarily unavailable' },
        });
      },
      isolated,
    );
  });

  it("keeps writes and the caller's own profile on the writer", async () => {
    const caller = await userWithProfile('Caller');
    const other = await userWithProfile('Other');
    await withHandlersAt(
      { DB_HOST: UNSERVED_HOST, DB_READER_HOST: ENGINE_HOST },
      async (handlers) => {
        const calls = profileCalls(handlers.profilesApi, caller, other);
        const publicRead = await calls.publicProfile();
        expect(publicRead.statusCode).toBe(200);
        expect(publicRead.json).toMatchObject({ userId: other, displayName: 'Other' });
        expect((await calls.ownProfile()).statusCode).toBe(503);
        expect((await calls.editOwnProfile()).statusCode).toBe(503);
      },
      isolated,
    );
  });
});
