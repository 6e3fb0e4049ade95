/**
 * One simulated user of the load run: a token from the local issuer and a typed API client
 * (openapi-fetch over the generated OpenAPI types, as the smoke client), walking the photo flow
 * one request after the other as an app would: profile write, upload, wait until READY, list own
 * photos, read the feed, and now and then delete a photo. Every request is timed to the end of its
 * body and recorded under its route key.
 */
import { performance } from 'node:perf_hooks';
import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import { MAX_PAGE_SIZE } from '../../contract/limits';
import type { paths } from '../../contract/openapi-types';
import type { RouteKey } from '../../contract/routes';
import { tinyJpeg } from '../smoke';

/** The upload to S3 through the presigned URL: part of the flow, but not a route of the API. */
export const S3_UPLOAD = 'PUT presigned URL (S3)';
export type FlowStep = RouteKey | typeof S3_UPLOAD;

const REQUEST_TIMEOUT_MS = 10_000;
/** On an idle machine a photo is READY within a second; ten means the upload pipeline fell behind. */
const READY_TIMEOUT_MS = 10_000;
/** How often the app asks whether its photo is READY yet. */
export const READY_POLL_MS = 100;
const PAGE_SIZE = '20';
const JPEG = tinyJpeg();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const timedFetch = (request: Request): Promise<Response> =>
  fetch(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The latencies and answers of one step. */
export interface StepSamples {
  readonly latenciesMs: number[];
  /** Answers by HTTP status. */
  readonly statuses: Map<number, number>;
  /** Requests without an answer (connection error, timeout) or with another status than expected. */
  errors: number;
}

/** Collects every timed request of the flow, by step. */
export class FlowRecorder {
  readonly steps = new Map<FlowStep, StepSamples>();
  /** From the end of the S3 upload to the first GET that saw the photo READY. */
  readonly uploadToReadyMs: number[] = [];

  record(step: FlowStep, ms: number, status: number | undefined, expected: number): void {
    let samples = this.steps.get(step);
    if (!samples) {
      samples = { latenciesMs: [], statuses: new Map(), errors: 0 };
      this.steps.set(step, samples);
    }
    samples.latenciesMs.push(ms);
    if (status !== undefined) samples.statuses.set(status, (samples.statuses.get(status) ?? 0) + 1);
    if (status !== expected) samples.errors += 1;
  }
}

/** A step of the flow that did not get the answer it needs to go on. */
export class FlowError extends Error {
  constructor(step: string, got: string) {
    super(`${step}: ${got}`);
  }
}

/** What one user's walks came to. */
export interface WalkOutcome {
  readonly completed: number;
  readonly failed: number;
  /** Why walks failed, e.g. "POST /photos: HTTP 503", with how often. */
  readonly failures: Map<string, number>;
}

/** POST /local/token: the dev server's stand-in for Cognito signs a token for any user id. */
async function localToken(baseUrl: string, userId: string): Promise<string> {
  const response = await timedFetch(
    new Request(`${baseUrl}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: userId }),
    }),
  );
  const body = (await response.json()) as { token?: unknown };
  if (response.status !== 200 || typeof body.token !== 'string')
    throw new FlowError('POST /local/token', `HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}

export class ApiUser {
  /** This user's READY photos, oldest first: the walk deletes from the front. */
  private readonly readyPhotos: string[] = [];
  private readonly api: Client<paths>;

  private constructor(
    readonly userId: string,
    readonly token: string,
    baseUrl: string,
    /** Without one, the requests are not part of the measurement (settling, checking). */
    private recorder: FlowRecorder | undefined,
  ) {
    this.api = createClient<paths>({
      baseUrl,
      fetch: timedFetch,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  /** A user with a token, whose requests are not measured (see measureWith). */
  static async signIn(baseUrl: string, userId: string): Promise<ApiUser> {
    return new ApiUser(userId, await localToken(baseUrl, userId), baseUrl, undefined);
  }

  /** Records this user's requests from now on in `recorder` (the warm-up has its own). */
  measureWith(recorder: FlowRecorder): void {
    this.recorder = recorder;
  }

  /** Sends one request, records it, and returns its result if the status is the expected one. */
  private async call<T extends { response: Response }>(
    step: FlowStep,
    expected: number,
    send: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    let result: T;
    try {
      result = await send();
    } catch (error) {
      this.recorder?.record(step, performance.now() - started, undefined, expected);
      throw new FlowError(step, describe(error));
    }
    const { status } = result.response;
    this.recorder?.record(step, performance.now() - started, status, expected);
    if (status !== expected) throw new FlowError(step, `HTTP ${status}`);
    return result;
  }

  async putProfile(bio: string): Promise<void> {
    await this.call('PUT /me', 200, () =>
      this.api.PUT('/me', { body: { displayName: `Load ${this.userId.slice(-12)}`, bio } }),
    );
  }

  /** Creates a photo, uploads its bytes and waits until the upload pipeline made it READY. */
  async uploadPhoto(caption: string): Promise<string> {
    const { data } = await this.call('POST /photos', 201, () =>
      this.api.POST('/photos', { body: { contentType: 'image/jpeg', sizeBytes: JPEG.byteLength, caption } }),
    );
    if (!data) throw new FlowError('POST /photos', 'no body');
    const { photo, upload } = data;
    await this.call(S3_UPLOAD, 200, async () => {
      const response = await fetch(upload.url, {
        method: upload.method,
        headers: upload.headers,
        body: JPEG,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      return { response };
    });
    const uploaded = performance.now();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const { data: current } = await this.call('GET /photos/{photoId}', 200, () =>
        this.api.GET('/photos/{photoId}', { params: { path: { photoId: photo.photoId } } }),
      );
      if (current?.photo.status === 'READY') break;
      // PENDING until upload-complete has seen it, PROCESSING while its renditions are made.
      if (current?.photo.status !== 'PENDING' && current?.photo.status !== 'PROCESSING')
        throw new FlowError('wait until READY', `status ${current?.photo.status ?? 'missing'}`);
      if (Date.now() >= deadline)
        throw new FlowError('wait until READY', `still PENDING after ${READY_TIMEOUT_MS} ms`);
      await sleep(READY_POLL_MS);
    }
    this.recorder?.uploadToReadyMs.push(performance.now() - uploaded);
    this.readyPhotos.push(photo.photoId);
    return photo.photoId;
  }

  /** One walk of the flow; every `deleteEvery`-th walk also deletes this user's oldest photo. */
  async walk(walk: number, deleteEvery: number): Promise<void> {
    await this.putProfile(`walk ${walk}`);
    await this.uploadPhoto(`walk ${walk}`);
    await this.call('GET /users/{userId}/photos', 200, () =>
      this.api.GET('/users/{userId}/photos', {
        params: { path: { userId: this.userId }, query: { limit: PAGE_SIZE } },
      }),
    );
    await this.call('GET /feed', 200, () =>
      this.api.GET('/feed', { params: { query: { limit: PAGE_SIZE } } }),
    );
    const oldest = (walk + 1) % deleteEvery === 0 ? this.readyPhotos.shift() : undefined;
    if (oldest)
      await this.call('DELETE /photos/{photoId}', 204, () =>
        this.api.DELETE('/photos/{photoId}', { params: { path: { photoId: oldest } } }),
      );
  }

  /** One walk; a failure is counted in `failures` by its reason instead of thrown. */
  async tryWalk(walk: number, deleteEvery: number, failures: Map<string, number>): Promise<boolean> {
    try {
      await this.walk(walk, deleteEvery);
      return true;
    } catch (error) {
      const reason = describe(error);
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
      return false;
    }
  }

  /** Walks until `deadline` (epoch ms); a walk under way then finishes, so no upload is left half done. */
  async walkUntil(deadline: number, deleteEvery: number): Promise<WalkOutcome> {
    let completed = 0;
    let failed = 0;
    const failures = new Map<string, number>();
    for (let walk = 0; Date.now() < deadline; walk += 1) {
      if (await this.tryWalk(walk, deleteEvery, failures)) completed += 1;
      else failed += 1;
    }
    return { completed, failed, failures };
  }

  /** The profile's photoCount, as GET /me reads it from the database. */
  async photoCount(): Promise<number> {
    const { data } = await this.call('GET /me', 200, () => this.api.GET('/me'));
    if (!data) throw new FlowError('GET /me', 'no body');
    return data.photoCount;
  }

  /** Every READY photo of `userId` the listing returns, all pages. */
  async listedPhotos(userId: string): Promise<string[]> {
    const photoIds: string[] = [];
    let cursor: string | undefined;
    do {
      const { data } = await this.call('GET /users/{userId}/photos', 200, () =>
        this.api.GET('/users/{userId}/photos', {
          params: {
            path: { userId },
            query: { limit: String(MAX_PAGE_SIZE), ...(cursor ? { cursor } : {}) },
          },
        }),
      );
      photoIds.push(...(data?.items ?? []).map((item) => item.photoId));
      cursor = data?.nextCursor;
    } while (cursor);
    return photoIds;
  }
}
