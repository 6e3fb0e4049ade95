/**
 * `npm run processing-figures`: the figures the README gives for photo processing, measured on
 * this machine. Not a benchmark (no targets, a handful of runs): what sizing the function and
 * answering "what happens to a bad file" need.
 *
 * - the artifact: the image library layer as synth stages it (files, bytes, deflated as a zip
 *   stores them) and the processing function's own bundle;
 * - cold start: a fresh Node.js process loading the bundle (module init), with the layer's packages
 *   on NODE_PATH as in Lambda, but this machine's build of the same sharp (the layer's is for
 *   linux-arm64);
 * - time per rendition of a 12-megapixel phone photo (4000 x 3000 JPEG, EXIF with GPS, orientation 6,
 *   a colour profile), and the peak memory of processing it and the largest PNG the limits allow;
 * - what each bad input produces.
 *
 *   npm run processing-figures [-- --runs 5]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import sharp from 'sharp';
import { entryOf, FUNCTIONS } from '../contract/functions';
import { SharpImageRenderer } from '../lambda/adapters/image-renderer';
import type { PhotoBytesStore, ProcessingRepository } from '../lambda/domain/photo-processing';
import { PhotoProcessor } from '../lambda/domain/photo-processing';
import type { Photo, PhotoContentType } from '../lambda/domain/photos';
import { IMAGE_LIMITS } from '../lambda/domain/renditions';
import { handlerBuildOptions, PROJECT_ROOT } from '../lib/constructs/app-function';
import { IMAGE_LIBRARY_DIR } from '../lib/constructs/image-library-layer';
import { IMAGE_SIGNATURE_BYTES, imageSignatureMismatch } from '../lambda/domain/image-signature';
import { animatedWebp, pixelBomb, samplePhoto, twelveMegapixelPhoto } from './local/sample-photos';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The files the layer asset holds: the layer folder less ImageLibraryLayer's excludes. */
function layerFiles(): string[] {
  const excluded =
    /(^nodejs\/package-lock\.json$|^nodejs\/node_modules\/\.package-lock\.json$|^nodejs\/node_modules\/\.bin\/|\/sharp\/(src|install)\/)/;
  return fs
    .readdirSync(IMAGE_LIBRARY_DIR, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(IMAGE_LIBRARY_DIR, path.join(entry.parentPath, entry.name)))
    .filter((file) => !excluded.test(file));
}

function artifact(work: string): void {
  const files = layerFiles();
  let bytes = 0;
  let deflated = 0;
  for (const file of files) {
    const content = fs.readFileSync(path.join(IMAGE_LIBRARY_DIR, file));
    bytes += content.length;
    // A zip entry: its deflated bytes plus about 100 bytes of local and central headers.
    deflated += deflateRawSync(content, { level: 9 }).length + 100 + 2 * file.length;
  }
  console.log(`Layer: ${files.length} files, ${mb(bytes)} unpacked, about ${mb(deflated)} as a zip`);
  const outfile = path.join(work, 'bundle', 'index.js');
  const build = buildSync({
    ...handlerBuildOptions(path.join(PROJECT_ROOT, entryOf(FUNCTIONS.photoProcessor)), outfile),
    write: true,
  });
  if (build.errors.length > 0) throw new Error('bundling failed');
  console.log(
    `Bundle of ${FUNCTIONS.photoProcessor.name}: ${(fs.statSync(outfile).size / 1024).toFixed(1)} KB`,
  );
}

/** Module init of the bundle in fresh processes: from the first line of the probe to the export. */
function coldStart(work: string, runs: number): void {
  const bundle = path.join(work, 'bundle', 'index.js');
  const probe = (target: string) => `
    const started = performance.now();
    require(${JSON.stringify(target)});
    process.stdout.write(String(performance.now() - started));
  `;
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    TABLE_NAME: 'photos',
    FEED_SHARDS: '1',
    FEED_READ_LEGACY_PARTITION: 'false',
    BUCKET_NAME: 'photos',
    POWERTOOLS_SERVICE_NAME: FUNCTIONS.photoProcessor.name,
    POWERTOOLS_METRICS_NAMESPACE: 'PhotoApp',
    // The project's node_modules holds this machine's build of the layer's sharp version.
    NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
  };
  const time = (target: string) =>
    Array.from({ length: runs }, () => {
      const child = spawnSync(process.execPath, ['-e', probe(target)], { env, encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      return Number(child.stdout);
    });
  const handler = time(bundle);
  const library = time('sharp');
  console.log(
    `Cold start (module init, median of ${runs} processes): ${FUNCTIONS.photoProcessor.name} ${median(handler).toFixed(0)} ms, of which loading sharp alone takes ${median(library).toFixed(0)} ms`,
  );
}

async function perRendition(runs: number): Promise<void> {
  const renderer = new SharpImageRenderer();
  const photo = await twelveMegapixelPhoto();
  await renderer.render(photo, IMAGE_LIMITS); // warm-up: first use of each codec
  const times = new Map<string, number[]>();
  const totals: number[] = [];
  let sizes = '';
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const rendered = await renderer.render(photo, IMAGE_LIMITS);
    totals.push(performance.now() - started);
    for (const image of rendered) {
      const key = `${image.name}.${image.format} ${image.width}x${image.height}`;
      times.set(key, [...(times.get(key) ?? []), image.renderMs ?? 0]);
    }
    sizes = rendered
      .map((image) => `${image.name}.${image.format} ${(image.bytes.byteLength / 1024).toFixed(0)} KB`)
      .join(', ');
  }
  console.log(`12 MP JPEG (4000 x 3000, ${mb(photo.length)}, orientation 6), median of ${runs} runs:`);
  for (const [key, values] of times) console.log(`  ${key}: ${median(values)} ms`);
  console.log(`  all four: ${median(totals).toFixed(0)} ms (${sizes})`);
}

/**
 * Resident memory of a fresh Node.js process (no TypeScript loader: the renderer bundled as the
 * function's code is) that reads the image from a file and renders it, sampled every 5 ms: what the
 * function's memory must hold.
 */
function peakMemory(label: string, bytes: Buffer, work: string): void {
  const input = path.join(work, 'input');
  fs.writeFileSync(input, bytes);
  const entry = path.join(work, 'render-entry.ts');
  fs.writeFileSync(
    entry,
    [
      "import * as fs from 'node:fs';",
      `import { SharpImageRenderer } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lambda/adapters/image-renderer'))};`,
      `import { IMAGE_LIMITS } from ${JSON.stringify(path.join(PROJECT_ROOT, 'lambda/domain/renditions'))};`,
      'void (async () => {',
      '  const bytes = fs.readFileSync(process.argv[2]);',
      '  const before = process.memoryUsage.rss();',
      '  let peak = before;',
      '  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);',
      '  const started = performance.now();',
      '  await new SharpImageRenderer().render(bytes, IMAGE_LIMITS);',
      '  const ms = performance.now() - started;',
      '  clearInterval(sampler);',
      '  process.stdout.write(JSON.stringify({ before, peak: Math.max(peak, process.memoryUsage.rss()), ms }));',
      '})();',
    ].join('\n'),
  );
  const bundle = path.join(work, 'render.js');
  buildSync({ ...handlerBuildOptions(entry, bundle), sourcemap: false });
  const child = spawnSync(process.execPath, [bundle, input], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(PROJECT_ROOT, 'node_modules') },
  });
  if (child.status !== 0) throw new Error(child.stderr);
  const { before, peak, ms } = JSON.parse(child.stdout) as Record<string, number>;
  console.log(
    `Memory, ${label} (${mb(bytes.length)}): ${mb(peak)} resident at the peak, ${mb(before)} before rendering; all four renditions in ${ms.toFixed(0)} ms`,
  );
}

/** One photo in memory: what the processor reads and writes, and its outcome. */
async function outcomeOf(declared: PhotoContentType, bytes: Buffer): Promise<string> {
  // upload-complete's check of the first bytes comes first, as in the app.
  const mismatch = imageSignatureMismatch(declared, bytes.subarray(0, IMAGE_SIGNATURE_BYTES));
  if (mismatch) return `REJECTED by upload-complete: ${mismatch}`;
  let stored: Photo = {
    photoId: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
    ownerId: 'owner',
    status: 'PROCESSING',
    contentType: declared,
    sizeBytes: bytes.length,
    objectKey: 'photos/owner/6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  const objects = new Map<string, Uint8Array>([[stored.objectKey, bytes]]);
  const repository: ProcessingRepository = {
    get: () => Promise.resolve(stored),
    markReady: (_id, _now, renditions) => {
      stored = { ...stored, status: 'READY', renditions };
      return Promise.resolve(true);
    },
    markRejected: (_id, reason) => {
      stored = { ...stored, status: 'REJECTED', rejectionReason: reason };
      return Promise.resolve(true);
    },
  };
  const store: PhotoBytesStore = {
    head: (key) =>
      Promise.resolve(objects.has(key) ? { sizeBytes: objects.get(key)!.byteLength } : undefined),
    read: (key) => Promise.resolve(objects.get(key)),
    putRendition: (key, content) => Promise.resolve(void objects.set(key, content)),
    delete: (key) => Promise.resolve(void objects.delete(key)),
  };
  const started = performance.now();
  const outcome = await new PhotoProcessor(repository, store, new SharpImageRenderer(), IMAGE_LIMITS).process(
    stored.photoId,
  );
  const ms = (performance.now() - started).toFixed(0);
  return outcome.action === 'REJECTED'
    ? `REJECTED in ${ms} ms: ${outcome.reason} (original deleted, ${objects.size} objects left)`
    : `${outcome.action} in ${ms} ms`;
}

async function badInputs(): Promise<void> {
  const jpeg = await samplePhoto({ width: 800, height: 600 });
  const png = await samplePhoto({ format: 'png' });
  const cases: Array<[string, PhotoContentType, Buffer]> = [
    ['decompression bomb (PNG header of 50,000 x 50,000, 69 bytes)', 'image/png', pixelBomb()],
    ['animated WebP (3 frames)', 'image/webp', await animatedWebp(3)],
    ['truncated JPEG (first half of the file)', 'image/jpeg', jpeg.subarray(0, jpeg.length / 2)],
    ['PNG declared as JPEG', 'image/jpeg', png],
    [
      'PNG behind a JPEG signature, declared as JPEG',
      'image/jpeg',
      Buffer.concat([jpeg.subarray(0, 10), png]),
    ],
    ['input over 20 MB', 'image/jpeg', Buffer.concat([jpeg, Buffer.alloc(IMAGE_LIMITS.maxInputBytes)])],
    [
      'HEIC (HEVC) photo, uploaded before POST /photos refused HEIC',
      'image/heic',
      Buffer.concat([
        Buffer.from([0, 0, 0, 0x18]),
        Buffer.from('ftypheic'),
        Buffer.alloc(4),
        Buffer.from('mif1heic'),
        Buffer.alloc(64),
      ]),
    ],
    ['a good 800 x 600 JPEG, for comparison', 'image/jpeg', jpeg],
  ];
  console.log('Bad inputs:');
  for (const [label, declared, bytes] of cases)
    console.log(`  ${label}: ${await outcomeOf(declared, bytes)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'processing-figures-'));
  try {
    console.log(
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node.js ${process.version}`,
    );
    artifact(work);
    coldStart(work, runs);
    await perRendition(runs);
    peakMemory('12 MP JPEG', await twelveMegapixelPhoto(), work);
    peakMemory(
      '64 MP PNG (8000 x 8000, the pixel limit)',
      await samplePhoto({ format: 'png', width: 8000, height: 8000 }),
      work,
    );
    await badInputs();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
