/**
 * Errors that cross layers. Domain code throws these; the HTTP layer maps them to status codes, so
 * a handler never decides a status code from a message string.
 */
export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_PENDING_UPLOADS'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(field: string, message: string) {
    super('VALIDATION_ERROR', 400, `${field}: ${message}`, field);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super('UNAUTHORIZED', 401, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('FORBIDDEN', 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', 404, `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', 409, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', 413, `Request body exceeds ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super('UNSUPPORTED_MEDIA_TYPE', 415, 'Request body must be application/json');
  }
}

/** The caller already has as many uploads in flight as one user may. */
export class TooManyPendingUploadsError extends AppError {
  constructor(limit: number) {
    super(
      'TOO_MANY_PENDING_UPLOADS',
      429,
      `At most ${limit} uploads may be pending at once; finish one or wait for it to expire`,
    );
  }
}

/** A dependency the request cannot be answered without (database, table, bucket) is unreachable. */
export class DependencyUnavailableError extends AppError {
  constructor(dependency: string, options?: { cause?: unknown }) {
    super('DEPENDENCY_UNAVAILABLE', 503, `${dependency} is temporarily unavailable`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
