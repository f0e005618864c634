/**
 * The one error the protobuf decoder throws: a 400 BadRequest that says what
 * was wrong and where, e.g. `error decoding protobuf request body: apps/v1
 * Deployment: spec.template.spec.containers[0].ports[1]: truncated varint at byte 181`.
 * @module
 */
import { StatusError } from '../errors.js';

export class ProtobufDecodeError extends StatusError {
  /** Field path inside the object ('' at its top level or in the envelope). */
  path = '';
  /** The `apiVersion kind` being decoded, once known. */
  subject = '';

  constructor(
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(400, 'BadRequest', '', undefined, options);
    this.name = 'ProtobufDecodeError';
    this.message = this.format();
  }

  /** Prefixes the path with an outer field (the error bubbles up from inner messages). */
  within(prefix: string): this {
    this.path = !this.path ? prefix : this.path.startsWith('[') ? `${prefix}${this.path}` : `${prefix}.${this.path}`;
    this.message = this.format();
    return this;
  }

  /** Names the object being decoded. */
  about(subject: string): this {
    this.subject = subject;
    this.message = this.format();
    return this;
  }

  private format(): string {
    return ['error decoding protobuf request body', this.subject, this.path, this.detail].filter(Boolean).join(': ');
  }
}
