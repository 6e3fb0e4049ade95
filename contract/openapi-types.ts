/**
 * Generated from contract/openapi.json by openapi-typescript: run `npm run openapi` after changing
 * the contract; do not edit. `paths` types an openapi-fetch client (scripts/smoke.ts does so).
 */
export interface paths {
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness of the API itself; public, touches no dependency. */
    get: operations['getHealth'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's profile, read from the database. */
    get: operations['getMe'];
    /** Creates or replaces the caller's profile. */
    put: operations['putMe'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/{userId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A user's public profile (cached). */
    get: operations['getUsersByUserId'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/photos': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Creates a PENDING photo and a presigned URL to upload its bytes to. */
    post: operations['postPhotos'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/photos/{photoId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A photo's metadata, with a download URL once it is READY. */
    get: operations['getPhotosByPhotoId'];
    put?: never;
    post?: never;
    /** Deletes one of the caller’s photos; its object follows through the table stream. */
    delete: operations['deletePhotosByPhotoId'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/users/{userId}/photos': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A user's READY photos, newest first. */
    get: operations['getUsersByUserIdPhotos'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/feed': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Everyone’s READY photos, newest first. */
    get: operations['getFeed'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description The photo to be uploaded: its type and exact size, which the upload URL enforces. */
    CreatePhotoRequest: {
      /**
       * @description The types the processing decodes. HEIC is refused (the image library cannot decode HEVC): clients convert it to JPEG before uploading.
       * @enum {string}
       */
      contentType: 'image/jpeg' | 'image/png' | 'image/webp';
      sizeBytes: number;
      caption?: string | null;
    };
    CreatedUpload: {
      photo: components['schemas']['Photo'];
      upload: {
        /** Format: uri */
        url: string;
        /** @constant */
        method: 'PUT';
        /** @description Send exactly these headers with the PUT: they are signed. */
        headers: {
          [key: string]: string;
        };
        /**
         * Format: date-time
         * @description ISO 8601 date and time, UTC.
         */
        expiresAt: string;
      };
    };
    /** @description Written by API Gateway, not by the handlers. */
    GatewayError: {
      message: string;
    };
    Health: {
      /** @constant */
      status: 'ok';
    };
    /** @description Photo metadata. PENDING until the upload is verified, PROCESSING while its renditions are made, then READY (public) or REJECTED (with a reason). */
    Photo: {
      /** @description A photo id: a version 4 UUID the API assigned. */
      photoId: string;
      /** @description A user's id: the `sub` claim of their Cognito token. */
      ownerId: string;
      /** @enum {string} */
      status: 'PENDING' | 'PROCESSING' | 'READY' | 'REJECTED';
      /**
       * @description As uploaded. image/heic only for photos uploaded before uploads refused it (they have no renditions).
       * @enum {string}
       */
      contentType: 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic';
      sizeBytes: number;
      caption?: string;
      /**
       * Format: date-time
       * @description ISO 8601 date and time, UTC.
       */
      createdAt: string;
      /**
       * Format: date-time
       * @description ISO 8601 date and time, UTC.
       */
      updatedAt: string;
      rejectionReason?: string;
      thumbnail?: components['schemas']['Rendition'];
    };
    /** @description Newest first; `nextCursor` is absent on the last page. */
    PhotoPage: {
      items: components['schemas']['Photo'][];
      nextCursor?: string;
    };
    PhotoWithDownload: {
      photo: components['schemas']['Photo'];
      /** @description READY photos only. */
      renditions?: {
        thumbnail: components['schemas']['Rendition'];
        display: components['schemas']['Rendition'];
      };
      /**
       * Format: uri
       * @description A short-lived URL of the original as uploaded, metadata included; READY photos, for their owner only.
       */
      downloadUrl?: string;
    };
    /** @description A user's profile; `photoCount` counts READY photos. */
    Profile: {
      /** @description A user's id: the `sub` claim of their Cognito token. */
      userId: string;
      displayName: string;
      bio: string | null;
      photoCount: number;
      /**
       * Format: date-time
       * @description ISO 8601 date and time, UTC.
       */
      createdAt: string;
      /**
       * Format: date-time
       * @description ISO 8601 date and time, UTC.
       */
      updatedAt: string;
    };
    /** @description The caller's editable profile fields. */
    ProfileInput: {
      /** @description Surrounding whitespace is trimmed before the length is counted; control characters are refused. */
      displayName: string;
      bio?: string | null;
    };
    /** @description One size of a READY photo: oriented, every metadata block (EXIF with GPS, XMP, IPTC) removed but the colour profile. */
    Rendition: {
      width: number;
      height: number;
      /**
       * Format: uri
       * @description A short-lived URL of the WebP encoding.
       */
      webp: string;
      /**
       * Format: uri
       * @description A short-lived URL of the JPEG encoding, for clients without WebP.
       */
      jpeg: string;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getHealth: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Health'];
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
    };
  };
  getMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Profile'];
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `NOT_FOUND`: no such resource. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'NOT_FOUND';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
  putMe: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ProfileInput'];
      };
    };
    responses: {
      /** @description Success. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Profile'];
        };
      };
      /** @description `VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'VALIDATION_ERROR';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `PAYLOAD_TOO_LARGE`: the JSON body is larger than the handler accepts. API Gateway: `{"message":"Request Entity Too Large"}` when the request is larger than API Gateway’s 10 MB payload quota. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'PAYLOAD_TOO_LARGE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'UNSUPPORTED_MEDIA_TYPE';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
  getUsersByUserId: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A user's id: the `sub` claim of their Cognito token. */
        userId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Profile'];
        };
      };
      /** @description `VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'VALIDATION_ERROR';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `NOT_FOUND`: no such resource. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'NOT_FOUND';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
  postPhotos: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreatePhotoRequest'];
      };
    };
    responses: {
      /** @description Success. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CreatedUpload'];
        };
      };
      /** @description `VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'VALIDATION_ERROR';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `CONFLICT`: the request conflicts with the current state. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'CONFLICT';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `PAYLOAD_TOO_LARGE`: the JSON body is larger than the handler accepts. API Gateway: `{"message":"Request Entity Too Large"}` when the request is larger than API Gateway’s 10 MB payload quota. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'PAYLOAD_TOO_LARGE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'UNSUPPORTED_MEDIA_TYPE';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `TOO_MANY_PENDING_UPLOADS`: the caller has as many uploads in flight as allowed. API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'TOO_MANY_PENDING_UPLOADS';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
  getPhotosByPhotoId: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A photo id: a version 4 UUID the API assigned. */
        photoId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PhotoWithDownload'];
        };
      };
      /** @description `VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'VALIDATION_ERROR';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `NOT_FOUND`: no such resource. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'NOT_FOUND';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
  deletePhotosByPhotoId: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A photo id: a version 4 UUID the API assigned. */
        photoId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success, no content. */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description `VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'VALIDATION_ERROR';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `FORBIDDEN`: the photo belongs to someone else. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'FORBIDDEN';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `NOT_FOUND`: no such resource. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'NOT_FOUND';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
  getUsersByUserIdPhotos: {
    parameters: {
      query?: {
        /** @description Page size, 1 to 100 (default 20). */
        limit?: string;
        /** @description The `nextCursor` of the previous page, unchanged. */
        cursor?: string;
      };
      header?: never;
      path: {
        /** @description A user's id: the `sub` claim of their Cognito token. */
        userId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PhotoPage'];
        };
      };
      /** @description `VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'VALIDATION_ERROR';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
  getFeed: {
    parameters: {
      query?: {
        /** @description Page size, 1 to 100 (default 20). */
        limit?: string;
        /** @description The `nextCursor` of the previous page, unchanged. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PhotoPage'];
        };
      };
      /** @description `VALIDATION_ERROR`: a parameter or the body is invalid; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            error: {
              /** @enum {string} */
              code: 'VALIDATION_ERROR';
              /** @description For people; names the offending field on a 400. */
              message: string;
            };
          };
        };
      };
      /** @description `UNAUTHORIZED`: the verified token carries no usable `sub` claim. API Gateway: `{"message":"Unauthorized"}` when the bearer token is missing, expired, or not from the stage’s user pool and app client. */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'UNAUTHORIZED';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description API Gateway: `{"message":"Too Many Requests"}` when the stage’s or the account’s throttling limits are exceeded. */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayError'];
        };
      };
      /** @description `INTERNAL_ERROR`: an unexpected failure; details are only in the logs. API Gateway: `{"message":"Internal Server Error"}` when the function failed or could not be invoked. */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'INTERNAL_ERROR';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
      /** @description `DEPENDENCY_UNAVAILABLE`: a store the request needs is unreachable; retry later. API Gateway: `{"message":"Service Unavailable"}` when the function did not answer within the 30 s integration timeout. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | {
                error: {
                  /** @enum {string} */
                  code: 'DEPENDENCY_UNAVAILABLE';
                  /** @description For people; names the offending field on a 400. */
                  message: string;
                };
              }
            | components['schemas']['GatewayError'];
        };
      };
    };
  };
}
