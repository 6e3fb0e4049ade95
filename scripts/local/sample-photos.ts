/**
 * Photos made on the spot, with the metadata a phone writes: an EXIF block with the camera, an
 * orientation and a GPS position, XMP, and IPTC. For the tests, the smoke client and the local
 * measurements; nothing here ships in a function.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A position that must never reach a rendition (the Eiffel Tower), in EXIF's rational notation. */
export const SAMPLE_GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '48/1 51/1 2984/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '2/1 17/1 4016/100',
  GPSMapDatum: 'WGS-84',
} as const;

/** Text that shows up in the XMP and IPTC blocks of a sample, so a test can look for it. */
export const SAMPLE_MARKER = 'sample-photo-owner-home';

export interface SamplePhotoOptions {
  /** Stored width and height (before orientation). @default 400 x 300 */
  readonly width?: number;
  readonly height?: number;
  /** EXIF orientation, 1-8. @default 1 */
  readonly orientation?: number;
  /** @default 'jpeg' */
  readonly format?: 'jpeg' | 'png' | 'webp';
  /** Embed a Display P3 colour profile. @default false */
  readonly iccProfile?: boolean;
  /**
   * `halves`: red left, blue right (orientation shows in the pixels, and it compresses to almost
   * nothing); `noise`: detail everywhere, which a decoder and an encoder must work through like a
   * camera's photo (a 12 MP one is about 4.5 MB). @default 'halves'
   */
  readonly texture?: 'halves' | 'noise';
}

/**
 * An image whose left half is red and right half blue as stored (so orientation shows in the
 * pixels), with EXIF (camera, orientation, GPS) and XMP; JPEGs also get an IPTC block.
 */
export async function samplePhoto(options: SamplePhotoOptions = {}): Promise<Buffer> {
  const width = options.width ?? 400;
  const height = options.height ?? 300;
  const half = Math.floor(width / 2);
  const blue = await sharp({
    create: { width: width - half, height, channels: 3, background: { r: 0, g: 0, b: 255 } },
  })
    .png()
    .toBuffer();
  const base =
    options.texture === 'noise'
      ? sharp({
          create: {
            width,
            height,
            channels: 3,
            background: { r: 0, g: 0, b: 0 },
            noise: { type: 'gaussian', mean: 128, sigma: 15 },
          },
        })
      : sharp({ create: { width, height, channels: 3, background: { r: 255, g: 0, b: 0 } } }).composite([
          { input: blue, left: half, top: 0 },
        ]);
  let image = base
    .withMetadata({ orientation: options.orientation ?? 1 })
    .withExif({
      IFD0: { Make: 'SampleCam', Model: 'Phone 1', Copyright: SAMPLE_MARKER },
      IFD3: { ...SAMPLE_GPS },
    })
    .withXmp(
      `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${SAMPLE_MARKER}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`,
    );
  if (options.iccProfile) image = image.withIccProfile('p3');
  const format = options.format ?? 'jpeg';
  const encoded =
    format === 'jpeg'
      ? await image.jpeg({ quality: 90 }).toBuffer()
      : format === 'png'
        ? await image.png().toBuffer()
        : await image.webp({ quality: 90 }).toBuffer();
  return format === 'jpeg' ? withIptc(encoded) : encoded;
}

/**
 * The JPEG with an IPTC block (an APP13 "Photoshop 3.0" segment holding resource 0x0404) after its
 * SOI marker: sharp reads IPTC but has no writer for it.
 */
export function withIptc(jpeg: Buffer): Buffer {
  const text = Buffer.from(SAMPLE_MARKER, 'latin1');
  // IPTC-IIM dataset 2:80 (By-line): tag marker 0x1C, record 2, dataset 80, big-endian length.
  const dataset = Buffer.concat([Buffer.from([0x1c, 0x02, 0x50, 0x00, text.length]), text]);
  const padded = dataset.length % 2 === 0 ? dataset : Buffer.concat([dataset, Buffer.from([0])]);
  const resource = Buffer.concat([
    Buffer.from('8BIM', 'latin1'),
    Buffer.from([0x04, 0x04, 0x00, 0x00]), // resource id 0x0404, empty Pascal name (padded)
    Buffer.from([0, 0, (dataset.length >> 8) & 0xff, dataset.length & 0xff]),
    padded,
  ]);
  const payload = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource]);
  const length = payload.length + 2;
  const segment = Buffer.concat([Buffer.from([0xff, 0xed, (length >> 8) & 0xff, length & 0xff]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** A 12-megapixel photo (4000 x 3000) with a phone's metadata: what a measurement should process. */
export function twelveMegapixelPhoto(): Promise<Buffer> {
  return samplePhoto({ width: 4000, height: 3000, orientation: 6, iccProfile: true, texture: 'noise' });
}

/** An animated WebP of `frames` frames, each another shade (the encoder merges identical frames). */
export async function animatedWebp(frames = 3): Promise<Buffer> {
  const images = await Promise.all(
    Array.from({ length: frames }, (_, index) =>
      sharp({
        create: {
          width: 16,
          height: 16,
          channels: 3,
          background: { r: Math.round((255 * index) / frames), g: 0, b: 0 },
        },
      })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(images, { join: { animated: true } })
    .webp()
    .toBuffer();
}

/**
 * A decompression bomb: a PNG whose header declares `width` x `height` pixels (50,000 x 50,000 is
 * 10 GB as RGBA) in a file of a few dozen bytes. Its one data chunk is a valid zlib stream of a few
 * rows, so the file is well-formed up to the point where a decoder would start allocating.
 */
export function pixelBomb(width = 50_000, height = 50_000): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per sample, RGB, deflate, adaptive filters, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1 + 3 * 16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
