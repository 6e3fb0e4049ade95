/**
 * `npm run smoke -- --url URL [--token TOKEN]`: walks the whole photo flow against the local dev
 * server or a deployed stage, printing each step with its latency, and exits non-zero on the first
 * failure with what it expected and what it got. Without --token it asks the local server's issuer
 * (URL/local/token) for a token of a fresh user; a deployed API needs a Cognito ID token (README).
 * The API calls go through an openapi-fetch client typed by the types generated from the OpenAPI
 * document (contract/openapi-types.ts), so a contract change that breaks the flow fails the type check.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import createClient from 'openapi-fetch';
import sharp from 'sharp';
import type { Client, Middleware } from 'openapi-fetch';
import type { paths } from '../contract/openapi-types';
import { SAMPLE_MARKER, samplePhoto } from './local/sample-photos';

export interface SmokeOptions {
  /** The API's base URL, e.g. http://localhost:3000 or the stage's invoke URL. */
  readonly url: string;
  /** A bearer token; without it one is asked from URL/local/token (local server only). */
  readonly token?: string;
  /** How long to wait for the upload to be processed and the derived data to catch up. @default 30 s */
  readonly waitMs?: number;
  readonly log?: (line: string) => void;
  /**
   * Sees each answer of the API (not of S3 or the local token issuer) before the flow reads it;
   * the local-run test checks them against the OpenAPI document. A throw fails the step.
   */
  readonly onResponse?: (answer: ApiAnswer) => void;
}

/** One answer of the API, as received. */
export interface ApiAnswer {
  /** The operation's route key, e.g. `GET /photos/{photoId}`. */
  readonly routeKey: string;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface SmokeStep {
  readonly name: string;
  readonly ms: number;
  readonly detail: string;
}

export class SmokeFailure extends Error {
  constructor(
    readonly step: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${step}: expected ${expected}, got ${got}`);
  }
}

/**
 * A real 8x8 grey baseline JPEG (JFIF), built here rather than shipped as a binary: one 8x8 block,
 * a quantisation table of ones, and one-code Huffman tables, so the single DC coefficient (level
 * 200: 8 * (200 - 128) = 576, category 10) and an end-of-block are the whole scan.
 */
export function tinyJpeg(): Buffer {
  const segment = (marker: number, body: number[]): number[] => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  const oneCodeTable = (tableClass: number, symbol: number): number[] => [
    (tableClass << 4) | 0,
    1,
    ...new Array<number>(15).fill(0),
    symbol,
  ];
  return Buffer.from([
    0xff,
    0xd8, // SOI
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // APP0 JFIF 1.01
    ...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]), // DQT 0: all ones
    ...segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // SOF0: 8-bit, 8x8, 1 component
    ...segment(0xc4, oneCodeTable(0, 10)), // DHT DC 0: code "0" = category 10
    ...segment(0xc4, oneCodeTable(1, 0x00)), // DHT AC 0: code "0" = end of block
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS
    // "0" + 576 in 10 bits ("1001000000") + "0", padded with ones: 0100 1000 0000 1111.
    0x48,
    0x0f,
    0xff,
    0xd9, // EOI
  ]);
}

/** A response as the steps read it: typed `data` on success, the raw text for failure messages. */
interface Answer<T> {
  readonly status: number;
  readonly data: T | undefined;
  readonly text: string;
}

type Api = Client<paths>;

const REQUEST_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const brief = (response: { readonly status: number; readonly text: string }): string =>
  `${response.status} ${response.text.length > 300 ? `${response.text.slice(0, 300)}...` : response.text}`;

/** Every request, through the API client or not, gives up after REQUEST_TIMEOUT_MS. */
const timedFetch = (request: Request): Promise<Response> =>
  fetch(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

/** openapi-fetch's result, with the body's text kept for messages (its `error` is the parsed body). */
async function answer<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Answer<T>> {
  const { data, error, response } = await call;
  const payload: unknown = data ?? error;
  const text = payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { status: response.status, data, text };
}

class SmokeRun {
  readonly steps: SmokeStep[] = [];
  /** The API with the bearer token (once there is one). */
  readonly api: Api;
  /** The API without a token: the health check and the authorizer's refusal. */
  readonly anonymous: Api;
  private token = '';

  constructor(
    private readonly base: string,
    private readonly log: (line: string) => void,
    private readonly waitMs: number,
    onResponse: SmokeOptions['onResponse'],
  ) {
    const observer: Middleware = {
      async onResponse({ request, response, schemaPath }) {
        if (!onResponse) return undefined;
        onResponse({
          routeKey: `${request.method} ${schemaPath}`,
          statusCode: response.status,
          headers: Object.fromEntries(response.headers),
          body: await response.clone().text(),
        });
        return undefined;
      },
    };
    const bearer: Middleware = {
      onRequest: ({ request }) => {
        if (this.token) request.headers.set('authorization', `Bearer ${this.token}`);
        return request;
      },
    };
    this.api = createClient<paths>({ baseUrl: base, fetch: timedFetch });
    this.api.use(bearer, observer);
    this.anonymous = createClient<paths>({ baseUrl: base, fetch: timedFetch });
    this.anonymous.use(observer);
  }

  /** The local server's token issuer: not part of the API, so a plain request. */
  async localToken(sub: string): Promise<Answer<{ token?: unknown }>> {
    const response = await timedFetch(
      new Request(`${this.base}/local/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub }),
      }),
    );
    const text = await response.text();
    let data: { token?: unknown } | undefined;
    try {
      data = text ? (JSON.parse(text) as { token?: unknown }) : undefined;
    } catch {
      data = undefined;
    }
    return { status: response.status, data, text };
  }

  /** Runs one step, records and prints its latency; the step returns a detail for the log line. */
  async step(name: string, action: () => Promise<string>): Promise<void> {
    const started = performance.now();
    let detail: string;
    try {
      detail = await action();
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      const failure =
        error instanceof SmokeFailure
          ? error
          : new SmokeFailure(name, 'no error', error instanceof Error ? error.message : String(error));
      this.log(`  FAIL ${name.padEnd(34)} ${String(ms).padStart(6)} ms`);
      this.log(`       expected: ${failure.expected}`);
      this.log(`       got:      ${failure.got}`);
      throw failure;
    }
    const ms = Math.round(performance.now() - started);
    this.steps.push({ name, ms, detail });
    this.log(`  ok   ${name.padEnd(34)} ${String(ms).padStart(6)} ms  ${detail}`);
  }

  expectStatus(step: string, response: Answer<unknown>, status: number): void {
    if (response.status !== status) throw new SmokeFailure(step, `HTTP ${status}`, brief(response));
  }

  /** Polls until `check` returns a detail (bounded by waitMs); otherwise fails with the last response. */
  async until<T>(
    step: string,
    expected: string,
    poll: () => Promise<Answer<T>>,
    check: (response: Answer<T>) => string | undefined,
  ): Promise<string> {
    const deadline = Date.now() + this.waitMs;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const response = await poll();
      const detail = check(response);
      if (detail !== undefined) return attempts > 1 ? `${detail} (after ${attempts} polls)` : detail;
      if (Date.now() >= deadline) {
        throw new SmokeFailure(step, `${expected} within ${this.waitMs} ms`, brief(response));
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }

  setToken(token: string): void {
    this.token = token;
  }
}

/** Walks the flow; resolves with the steps, or rejects with the first SmokeFailure. */
export async function runSmoke(options: SmokeOptions): Promise<SmokeStep[]> {
  const base = options.url.replace(/\/+$/, '');
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const run = new SmokeRun(base, log, options.waitMs ?? 30_000, options.onResponse);
  const { api, anonymous } = run;
  const started = performance.now();
  // A phone's photo: EXIF with a GPS position, XMP and IPTC, none of which may reach a rendition.
  const jpeg = await samplePhoto({ width: 400, height: 300 });
  let userId = '';
  let photoId = '';
  let upload: { url: string; method: string; headers: Record<string, string> } | undefined;
  let downloadUrl = '';
  let thumbnail: { width: number; height: number; webp: string; jpeg: string } | undefined;
  const photo = () => answer(api.GET('/photos/{photoId}', { params: { path: { photoId } } }));

  log(`Smoke test of ${base}`);
  await run.step('GET /health', async () => {
    const response = await answer(anonymous.GET('/health'));
    run.expectStatus('GET /health', response, 200);
    return response.text;
  });

  if (options.token) {
    run.setToken(options.token);
  } else {
    await run.step('POST /local/token (local issuer)', async () => {
      const sub = `smoke-${randomUUID()}`;
      const response = await run.localToken(sub);
      if (response.status === 404)
        throw new SmokeFailure(
          'POST /local/token',
          'the local server (or pass --token, see the README "Check a deployment")',
          brief(response),
        );
      run.expectStatus('POST /local/token', response, 200);
      const token = response.data?.token;
      if (typeof token !== 'string')
        throw new SmokeFailure('POST /local/token', '{"token": "..."}', brief(response));
      run.setToken(token);
      return `sub ${sub}`;
    });
  }

  await run.step('GET /me without a token', async () => {
    const response = await answer(anonymous.GET('/me'));
    if (response.status !== 401)
      throw new SmokeFailure('GET /me without a token', 'HTTP 401', brief(response));
    return `401 ${response.text}`;
  });

  await run.step('PUT /me', async () => {
    const response = await answer(
      api.PUT('/me', { body: { displayName: 'Smoke Test', bio: 'Created by npm run smoke' } }),
    );
    run.expectStatus('PUT /me', response, 200);
    const profile = response.data;
    if (!profile || profile.displayName !== 'Smoke Test')
      throw new SmokeFailure('PUT /me', 'the profile with displayName "Smoke Test"', brief(response));
    userId = profile.userId;
    return `userId ${userId}`;
  });

  await run.step('POST /photos', async () => {
    const response = await answer(
      api.POST('/photos', {
        body: { contentType: 'image/jpeg', sizeBytes: jpeg.byteLength, caption: 'smoke test' },
      }),
    );
    run.expectStatus('POST /photos', response, 201);
    const created = response.data;
    if (created?.photo.status !== 'PENDING' || !created.upload.url)
      throw new SmokeFailure('POST /photos', 'a PENDING photo and an upload URL', brief(response));
    photoId = created.photo.photoId;
    upload = created.upload;
    return `photoId ${photoId}`;
  });

  // The upload and the download go to S3 through presigned URLs, outside the API's contract.
  await run.step(`PUT JPEG to the upload URL`, async () => {
    if (!upload) throw new SmokeFailure('PUT upload', 'an upload URL', 'none');
    const response = await fetch(upload.url, {
      method: upload.method,
      headers: upload.headers,
      body: jpeg,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status !== 200)
      throw new SmokeFailure('PUT upload', 'HTTP 200', `${response.status} ${text.slice(0, 300)}`);
    return `${jpeg.byteLength} bytes, 200`;
  });

  await run.step('wait until READY', () =>
    run.until('wait until READY', 'status READY', photo, (response) => {
      if (response.status !== 200 || response.data?.photo.status !== 'READY') return undefined;
      downloadUrl = response.data.downloadUrl ?? '';
      return 'READY';
    }),
  );

  await run.step('GET /photos/{photoId}', async () => {
    const response = await photo();
    run.expectStatus('GET /photos/{photoId}', response, 200);
    const body = response.data;
    if (
      body?.photo.photoId !== photoId ||
      body.photo.status !== 'READY' ||
      body.downloadUrl === undefined ||
      body.renditions === undefined
    )
      throw new SmokeFailure(
        'GET /photos/{photoId}',
        `photo ${photoId} READY with renditions and (for its owner) a downloadUrl`,
        brief(response),
      );
    downloadUrl = body.downloadUrl;
    thumbnail = body.renditions.thumbnail;
    const { display } = body.renditions;
    return `READY, thumbnail ${thumbnail.width}x${thumbnail.height}, display ${display.width}x${display.height}`;
  });

  await run.step('download the thumbnail: no EXIF', async () => {
    const results: string[] = [];
    for (const format of ['webp', 'jpeg'] as const) {
      const response = await fetch(thumbnail?.[format] ?? '', {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200)
        throw new SmokeFailure(
          'thumbnail',
          'HTTP 200',
          `${response.status} ${bytes.toString('utf8', 0, 300)}`,
        );
      const metadata = await sharp(bytes)
        .metadata()
        .catch((error: unknown) => {
          throw new SmokeFailure('thumbnail', `a ${format} image`, String(error));
        });
      const found = [
        metadata.exif && 'EXIF',
        metadata.xmp && 'XMP',
        metadata.iptc && 'IPTC',
        bytes.includes(Buffer.from(SAMPLE_MARKER)) && 'the uploaded metadata text',
      ].filter(Boolean);
      if (metadata.format !== format || metadata.width !== thumbnail?.width || found.length > 0)
        throw new SmokeFailure(
          'thumbnail',
          `a ${format} of ${thumbnail?.width}x${thumbnail?.height} without metadata`,
          `${metadata.format} ${metadata.width}x${metadata.height}${found.length > 0 ? ` with ${found.join(', ')}` : ''}`,
        );
      results.push(`${format} ${bytes.byteLength} bytes`);
    }
    return `${results.join(', ')}, no EXIF/XMP/IPTC`;
  });

  await run.step('download through downloadUrl', async () => {
    const response = await fetch(downloadUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200)
      throw new SmokeFailure('download', 'HTTP 200', `${response.status} ${bytes.toString('utf8', 0, 300)}`);
    if (!bytes.equals(jpeg))
      throw new SmokeFailure(
        'download',
        `the ${jpeg.byteLength} uploaded bytes`,
        `${bytes.byteLength} different bytes`,
      );
    return `${bytes.byteLength} bytes, equal`;
  });

  const listed = (
    response: Answer<{ items: { photoId: string; thumbnail?: { webp: string } }[] }>,
  ): string | undefined => {
    const items = response.data?.items ?? [];
    return response.status === 200 && items.some((item) => item.photoId === photoId && item.thumbnail)
      ? `${items.length} photo(s), ours included with its thumbnail`
      : undefined;
  };

  await run.step('GET /users/{userId}/photos', () =>
    run.until(
      'GET /users/{userId}/photos',
      `photo ${photoId} in the list`,
      () =>
        answer(api.GET('/users/{userId}/photos', { params: { path: { userId }, query: { limit: '10' } } })),
      listed,
    ),
  );

  await run.step('GET /feed', () =>
    run.until(
      'GET /feed',
      `photo ${photoId} in the feed's first page`,
      () => answer(api.GET('/feed', { params: { query: { limit: '100' } } })),
      listed,
    ),
  );

  await run.step('GET /me photoCount 1', () =>
    run.until(
      'GET /me photoCount 1',
      'photoCount 1 (kept by the stream processor)',
      () => answer(api.GET('/me')),
      (response) => (response.status === 200 && response.data?.photoCount === 1 ? 'photoCount 1' : undefined),
    ),
  );

  await run.step('DELETE /photos/{photoId}', async () => {
    const response = await answer(api.DELETE('/photos/{photoId}', { params: { path: { photoId } } }));
    run.expectStatus('DELETE /photos/{photoId}', response, 204);
    return '204';
  });

  await run.step('GET /photos/{photoId} is gone', async () => {
    const response = await photo();
    run.expectStatus('GET /photos/{photoId} after DELETE', response, 404);
    return '404';
  });

  log(`All ${run.steps.length} steps passed in ${Math.round(performance.now() - started)} ms`);
  return run.steps;
}

function usage(): string {
  return 'Usage: npm run smoke -- --url URL [--token TOKEN] [--wait SECONDS]';
}

async function main(): Promise<void> {
  let values: { url?: string; token?: string; wait?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        wait: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage()}\n`);
    process.exit(2);
  }
  if (values.help || !values.url) {
    process.stderr.write(`${usage()}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const waitSeconds = Number(values.wait ?? '30');
  try {
    await runSmoke({
      url: values.url,
      ...(values.token ? { token: values.token } : {}),
      waitMs: Number.isFinite(waitSeconds) && waitSeconds > 0 ? waitSeconds * 1000 : 30_000,
    });
  } catch (error) {
    if (!(error instanceof SmokeFailure)) process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
