/**
 * The sharp renderer on images this test makes, with the metadata a phone writes (EXIF with GPS,
 * XMP, IPTC): sizes, orientation applied to the pixels, no metadata left but the colour profile.
 */
import sharp from 'sharp';
import { SharpImageRenderer } from '../../lambda/adapters/image-renderer';
import { UndecodableImageError } from '../../lambda/domain/photo-processing';
import type { RenderedImage } from '../../lambda/domain/renditions';
import { IMAGE_LIMITS, declaredTypeProblem, imageProblem } from '../../lambda/domain/renditions';
import { PHOTO_CONTENT_TYPES, UPLOAD_CONTENT_TYPES } from '../../contract/limits';
import { animatedWebp, pixelBomb, samplePhoto, SAMPLE_MARKER } from '../../scripts/local/sample-photos';

const renderer = new SharpImageRenderer();
const render = (bytes: Buffer): Promise<RenderedImage[]> => renderer.render(bytes, IMAGE_LIMITS);
const sizes = (rendered: RenderedImage[]) =>
  rendered.map(({ name, format, width, height }) => `${name}.${format} ${width}x${height}`);

/** The RGB of one pixel of an encoded image. */
async function pixel(bytes: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [data[offset], data[offset + 1], data[offset + 2]];
}
const isRed = ([r, g, b]: number[]) => r > 200 && g < 60 && b < 60;
const isBlue = ([r, g, b]: number[]) => b > 200 && r < 60 && g < 60;

describe('SharpImageRenderer', () => {
  it('makes a thumbnail of 256 px and a display size of 1,600 px on the long side, in WebP and JPEG', async () => {
    const rendered = await render(await samplePhoto({ width: 4000, height: 3000 }));
    expect(sizes(rendered)).toEqual([
      'thumbnail.webp 256x192',
      'thumbnail.jpeg 256x192',
      'display.webp 1600x1200',
      'display.jpeg 1600x1200',
    ]);
    for (const image of rendered) {
      const metadata = await sharp(image.bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual([
        image.format,
        image.width,
        image.height,
      ]);
    }
  });

  it('never enlarges a small photo', async () => {
    expect(sizes(await render(await samplePhoto({ width: 400, height: 300 })))).toEqual([
      'thumbnail.webp 256x192',
      'thumbnail.jpeg 256x192',
      'display.webp 400x300',
      'display.jpeg 400x300',
    ]);
  });

  it('applies the EXIF orientation to the pixels', async () => {
    // Stored landscape, left half red; orientation 6 means "rotate 90 degrees clockwise to show".
    const original = await samplePhoto({ width: 400, height: 300, orientation: 6 });
    expect((await sharp(original).metadata()).orientation).toBe(6);
    const rendered = await render(original);
    expect(sizes(rendered)).toEqual([
      'thumbnail.webp 192x256',
      'thumbnail.jpeg 192x256',
      'display.webp 300x400',
      'display.jpeg 300x400',
    ]);
    for (const image of rendered) {
      // The stored left edge is now the top edge: red above, blue below.
      expect(isRed(await pixel(image.bytes, Math.floor(image.width / 2), 5))).toBe(true);
      expect(isBlue(await pixel(image.bytes, Math.floor(image.width / 2), image.height - 5))).toBe(true);
      expect((await sharp(image.bytes).metadata()).orientation).toBeUndefined();
    }
  });

  it.each(['jpeg', 'png', 'webp'] as const)(
    'removes EXIF (GPS included), XMP and IPTC from a %s and keeps its colour profile',
    async (format) => {
      const original = await samplePhoto({ format, iccProfile: true });
      const before = await sharp(original).metadata();
      // The input really carries what must go: a GPS position in its EXIF, the marker in its XMP.
      expect(before.exif?.includes(Buffer.from('WGS-84'))).toBe(true);
      expect(before.exif?.includes(Buffer.from(SAMPLE_MARKER))).toBe(true);
      expect(before.xmp?.includes(Buffer.from(SAMPLE_MARKER))).toBe(true);
      if (format === 'jpeg') expect(before.iptc?.includes(Buffer.from(SAMPLE_MARKER))).toBe(true);
      expect(before.icc).toBeDefined();

      for (const image of await render(original)) {
        const after = await sharp(image.bytes).metadata();
        expect({ exif: after.exif, xmp: after.xmp, iptc: after.iptc }).toEqual({
          exif: undefined,
          xmp: undefined,
          iptc: undefined,
        });
        expect(after.icc).toEqual(before.icc);
        expect(Buffer.from(image.bytes).includes(Buffer.from(SAMPLE_MARKER))).toBe(false);
      }
    },
  );

  it('reads the facts the limits are judged on from the header alone', async () => {
    await expect(renderer.inspect(pixelBomb(50_000, 50_000))).resolves.toEqual({
      format: 'png',
      width: 50_000,
      height: 50_000,
      pages: 1,
    });
    await expect(renderer.inspect(await animatedWebp(4))).resolves.toMatchObject({
      format: 'webp',
      pages: 4,
    });
  });

  it('refuses to decode more pixels than the limit, whatever the caller checked', async () => {
    await expect(render(pixelBomb(50_000, 50_000))).rejects.toThrow(
      new UndecodableImageError('image could not be decoded: Input image exceeds pixel limit'),
    );
  });

  it('takes bytes that are no image, or a truncated one, for undecodable', async () => {
    await expect(renderer.inspect(Buffer.from('not an image at all'))).rejects.toBeInstanceOf(
      UndecodableImageError,
    );
    const jpeg = await samplePhoto({ width: 800, height: 600 });
    await expect(render(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).rejects.toThrow(
      /^image could not be decoded: .*premature end of JPEG image/,
    );
  });
});

describe('the types POST /photos accepts', () => {
  it.each(UPLOAD_CONTENT_TYPES)('%s: an upload of it is decoded and rendered', async (contentType) => {
    const format = ({ 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' } as const)[contentType];
    const bytes = await samplePhoto({ format });
    expect(declaredTypeProblem(contentType)).toBeUndefined();
    expect(imageProblem(contentType, await renderer.inspect(bytes), IMAGE_LIMITS)).toBeUndefined();
    expect(sizes(await render(bytes))).toHaveLength(4);
  });

  it('are exactly the stored types the processing can decode (not HEIC)', () => {
    expect(PHOTO_CONTENT_TYPES.filter((type) => declaredTypeProblem(type) === undefined)).toEqual([
      ...UPLOAD_CONTENT_TYPES,
    ]);
  });
});
