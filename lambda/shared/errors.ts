/**
 * Errors that cross layers. Domain code throws these; the HTTP layer maps them to status codes, so
 * a handler never decides a status code from a message string.
 */
import { ERROR_STATUS, type ErrorCode } from '../../contract/limits';
export type { ErrorCode };

export class AppError extends Error {
  /** The status the contract gives the code (contract/limits.ts). */
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.statusCode = ERROR_STATUS[code];
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(field: string, message: string) {
    super('VALIDATION_ERROR', `${field}: ${message}`, field);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super('UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json');
  }
}

/** The caller already has as many uploads in flight as one user may. */
export class TooManyPendingUploadsError extends AppError {
  constructor(limit: number) {
    super(
      'TOO_MANY_PENDING_UPLOADS',
      `At most ${limit} uploads may be pending at once; finish one or wait for it to expire`,
    );
  }
}

/** A dependency the request cannot be answered without (database, table, bucket) is unreachable. */
export class DependencyUnavailableError extends AppError {
  constructor(dependency: string, options?: { cause?: unknown }) {
    super('DEPENDENCY_UNAVAILABLE', `${dependency} is temporarily unavailable`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * A write reached a standby Region (disaster recovery), whose stores take no writes of this app
 * until it is promoted: the client retries against the active Region. DEPENDENCY_UNAVAILABLE (503),
 * which every write route already declares.
 */
export class StandbyRegionError extends AppError {
  constructor() {
    super(
      'DEPENDENCY_UNAVAILABLE',
      'This Region is a standby and serves reads only; writes go to the active Region',
    );
  }
}
