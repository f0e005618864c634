/**
 * Typed store errors. The API server maps them to Kubernetes Status errors
 * in one function (KeyExists → 409 AlreadyExists, Conflict → 409 Conflict,
 * NotFound → 404, Compacted → 410 Expired, TooLarge → 413, Unavailable → 503).
 * @module
 */
import type { KeyValue } from './types.js';

export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'TooLarge' | 'Unavailable';

export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;
}

export class KeyExistsError extends StoreError {
  readonly code = 'KeyExists';
  constructor(readonly key: string) {
    super(`key already exists: ${key}`);
    this.name = 'KeyExistsError';
  }
}

export class NotFoundError extends StoreError {
  readonly code = 'NotFound';
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
    this.name = 'NotFoundError';
  }
}

/** The key's modRevision was not the expected one; `current` is what is stored now. */
export class ConflictError extends StoreError {
  readonly code = 'Conflict';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly current: KeyValue,
  ) {
    super(`revision conflict on ${key}: expected ${expected}, is ${current.modRevision}`);
    this.name = 'ConflictError';
  }
}

/** The requested revision was compacted away (Kubernetes: 410 Gone, reason Expired). */
export class CompactedError extends StoreError {
  readonly code = 'Compacted';
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (compacted revision ${compacted})`);
    this.name = 'CompactedError';
  }
}

export class TooLargeError extends StoreError {
  readonly code = 'TooLarge';
  constructor(
    readonly key: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`value for ${key} is ${size} bytes, over the ${limit}-byte limit`);
    this.name = 'TooLargeError';
  }
}

/** The backend cannot be reached or used right now; the caller may retry. */
export class UnavailableError extends StoreError {
  readonly code = 'Unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnavailableError';
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}
