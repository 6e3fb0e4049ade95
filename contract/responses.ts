/**
 * The shapes the API returns, as zod schemas: the OpenAPI document (contract/openapi.json) is
 * generated from them and the app tests check every response against that document. The route
 * table names each route's success body by its key in RESPONSE_BODIES, and the handlers import
 * these shapes as types only, so no function builds them at init: they are about half of what
 * the handlers' own code added to a cold start (bench: init of profiles-api / its floor).
 */
import * as z from 'zod/mini';
import {
  MAX_CURSOR_LENGTH,
  MAX_PHOTO_BYTES,
  PHOTO_CONTENT_TYPES,
  PHOTO_STATUSES,
  PhotoId,
  Timestamp,
  UserId,
  type ErrorCode,
} from './schemas';

export const Health = z.object({ status: z.literal('ok') }).check(z.meta({ id: 'Health' }));

export const Profile = z
  .strictObject({
    userId: UserId,
    displayName: z.string(),
    bio: z.nullable(z.string()),
    photoCount: z.int().check(z.minimum(0)),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .check(z.meta({ id: 'Profile', description: "A user's profile; `photoCount` counts READY photos." }));

export const RenditionView = z
  .strictObject({
    width: z.int().check(z.minimum(1)),
    height: z.int().check(z.minimum(1)),
    webp: z.url().check(z.meta({ description: 'A short-lived URL of the WebP encoding.' })),
    jpeg: z
      .url()
      .check(z.meta({ description: 'A short-lived URL of the JPEG encoding, for clients without WebP.' })),
  })
  .check(
    z.meta({
      id: 'Rendition',
      description:
        'One size of a READY photo: oriented, every metadata block (EXIF with GPS, XMP, IPTC) removed but the colour profile.',
    }),
  );

export const PhotoView = z
  .strictObject({
    photoId: PhotoId,
    ownerId: UserId,
    status: z.enum(PHOTO_STATUSES),
    contentType: z.enum(PHOTO_CONTENT_TYPES).check(
      z.meta({
        description:
          'As uploaded. image/heic only for photos uploaded before uploads refused it (they have no renditions).',
      }),
    ),
    sizeBytes: z.int().check(z.minimum(1), z.maximum(MAX_PHOTO_BYTES)),
    caption: z.optional(z.string()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    rejectionReason: z.optional(z.string()),
    // In listings and the feed.
    thumbnail: z.optional(RenditionView),
  })
  .check(
    z.meta({
      id: 'Photo',
      description:
        'Photo metadata. PENDING until the upload is verified, PROCESSING while its renditions are made, then READY (public) or REJECTED (with a reason).',
    }),
  );

export const CreatedUpload = z
  .strictObject({
    photo: PhotoView,
    upload: z.strictObject({
      url: z.url(),
      method: z.literal('PUT'),
      headers: z
        .record(z.string(), z.string())
        .check(z.meta({ description: 'Send exactly these headers with the PUT: they are signed.' })),
      expiresAt: Timestamp,
    }),
  })
  .check(z.meta({ id: 'CreatedUpload' }));

export const PhotoWithDownload = z
  .strictObject({
    photo: PhotoView,
    renditions: z.optional(
      z
        .strictObject({ thumbnail: RenditionView, display: RenditionView })
        .check(z.meta({ description: 'READY photos only.' })),
    ),
    downloadUrl: z.optional(
      z.url().check(
        z.meta({
          description:
            'A short-lived URL of the original as uploaded, metadata included; READY photos, for their owner only.',
        }),
      ),
    ),
  })
  .check(z.meta({ id: 'PhotoWithDownload' }));

export const PhotoPage = z
  .strictObject({
    items: z.array(PhotoView),
    nextCursor: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_CURSOR_LENGTH))),
  })
  .check(z.meta({ id: 'PhotoPage', description: 'Newest first; `nextCursor` is absent on the last page.' }));

/** The handlers' error envelope, restricted to the codes a response may carry. */
export function errorEnvelope(codes: readonly [ErrorCode, ...ErrorCode[]]) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes),
      message: z.string().check(z.meta({ description: 'For people; names the offending field on a 400.' })),
    }),
  });
}

/** API Gateway's own answers (missing token, throttling, unknown route) have another shape. */
export const GatewayError = z
  .strictObject({ message: z.string() })
  .check(z.meta({ id: 'GatewayError', description: 'Written by API Gateway, not by the handlers.' }));

/** The success bodies the route table names (ROUTES[key].success.body). */
export const RESPONSE_BODIES = {
  Health,
  Profile,
  CreatedUpload,
  PhotoWithDownload,
  PhotoPage,
} as const;
export type ResponseBodyName = keyof typeof RESPONSE_BODIES;

export type ProfileView = z.output<typeof Profile>;
export type PhotoViewBody = z.output<typeof PhotoView>;
export type RenditionViewBody = z.output<typeof RenditionView>;
