/**
 * S3 access for photo bytes: presigned upload and download URLs, and object checks and deletes.
 * A presigned URL is a bearer credential: never log one.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { guardDependency } from './aws-errors';
import { sdkDeadlineConfig } from './sdk-deadline';
import type { SdkDeadline } from './sdk-deadline';
import type { PhotoObjectStore, PresignedUpload } from '../domain/photo-service';
import type { PhotoBytesStore } from '../domain/photo-processing';

const DEPENDENCY = 'Photo storage';

/**
 * HEAD and DELETE of one object: first bytes come within a few hundred milliseconds even at S3's
 * tail, so 2 s per attempt, and 3 attempts cost at most 3 × 2 s + 0.3 s back-off = 6.3 s per call.
 * Presigning makes no request.
 */
export const S3_DEADLINE: SdkDeadline = { connectionTimeoutMs: 500, requestTimeoutMs: 2000, maxAttempts: 3 };

export function createS3Client(options: {
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** Only for tests; in Lambda the default provider chain supplies the role's credentials. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    forcePathStyle: options.forcePathStyle,
    ...sdkDeadlineConfig(S3_DEADLINE),
    // Otherwise the SDK adds a checksum of the (empty) presigning body, which a client's real
    // upload could never match.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Renditions are public-facing derivatives that never change for a given key (a new upload is a
 * new photo id): browsers and CDNs may keep them as long as the signed URL lets them fetch one.
 */
const RENDITION_CACHE_CONTROL = 'private, max-age=31536000, immutable';

export class S3PhotoObjectStore implements PhotoObjectStore, PhotoBytesStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucketName: string,
  ) {}

  /**
   * The signature covers Content-Type and Content-Length, so S3 refuses an upload of any other
   * type or size (the presigner leaves Content-Type unsigned unless asked), and If-None-Match: *,
   * so the URL makes one object only: S3 refuses a second PUT while the key holds one, and the
   * verified bytes cannot be replaced through it.
   */
  async presignUpload(input: {
    readonly objectKey: string;
    readonly contentType: string;
    readonly sizeBytes: number;
    readonly expiresInSeconds: number;
  }): Promise<PresignedUpload> {
    const url = await getSignedUrl(
      this.s3,
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: input.objectKey,
        ContentType: input.contentType,
        ContentLength: input.sizeBytes,
        IfNoneMatch: '*',
      }),
      {
        expiresIn: input.expiresInSeconds,
        signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']),
      },
    );
    return {
      url,
      method: 'PUT',
      headers: {
        'Content-Type': input.contentType,
        'Content-Length': String(input.sizeBytes),
        'If-None-Match': '*',
      },
    };
  }

  presignDownload(objectKey: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucketName, Key: objectKey }), {
      expiresIn: expiresInSeconds,
    });
  }

  async head(
    objectKey: string,
    versionId?: string,
  ): Promise<{ sizeBytes: number; contentType?: string } | undefined> {
    try {
      const result = await guardDependency(DEPENDENCY, () =>
        this.s3.send(
          new HeadObjectCommand({
            Bucket: this.bucketName,
            Key: objectKey,
            ...(versionId ? { VersionId: versionId } : {}),
          }),
        ),
      );
      return {
        sizeBytes: result.ContentLength ?? 0,
        ...(result.ContentType ? { contentType: result.ContentType } : {}),
      };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw error;
    }
  }

  /** A ranged GET: the object's first bytes only, whatever its size. */
  async readFirstBytes(
    objectKey: string,
    versionId: string | undefined,
    count: number,
  ): Promise<Uint8Array | undefined> {
    try {
      const result = await guardDependency(DEPENDENCY, () =>
        this.s3.send(
          new GetObjectCommand({
            Bucket: this.bucketName,
            Key: objectKey,
            Range: `bytes=0-${count - 1}`,
            ...(versionId ? { VersionId: versionId } : {}),
          }),
        ),
      );
      const bytes = (await result.Body?.transformToByteArray()) ?? new Uint8Array();
      // A server that ignores Range sends everything; only the asked-for bytes are looked at.
      return bytes.subarray(0, count);
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      // An empty object has no byte 0 to start a range at.
      if (status === 416) return new Uint8Array();
      throw error;
    }
  }

  /**
   * The whole object (an original, to be processed). The deadline covers the time to the response
   * headers; the body of at most MAX_PHOTO_BYTES then streams within the function's timeout.
   */
  async read(objectKey: string): Promise<Uint8Array | undefined> {
    try {
      const result = await guardDependency(DEPENDENCY, () =>
        this.s3.send(new GetObjectCommand({ Bucket: this.bucketName, Key: objectKey })),
      );
      return (await result.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw error;
    }
  }

  /** Writes a rendition; the same key written again (a retried event) is replaced by the same bytes. */
  async putRendition(objectKey: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await guardDependency(DEPENDENCY, () =>
      this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucketName,
          Key: objectKey,
          Body: bytes,
          ContentType: contentType,
          CacheControl: RENDITION_CACHE_CONTROL,
        }),
      ),
    );
  }

  /**
   * Deletes the given version, or else adds a delete marker; the bucket's lifecycle rule expires
   * noncurrent versions. Deleting something already gone succeeds, so replays are harmless.
   */
  async delete(objectKey: string, versionId?: string): Promise<void> {
    await guardDependency(DEPENDENCY, () =>
      this.s3.send(
        new DeleteObjectCommand({
          Bucket: this.bucketName,
          Key: objectKey,
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      ),
    );
  }
}
