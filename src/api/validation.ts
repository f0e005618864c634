/**
 * Field errors for 422 Invalid responses, rendered as upstream's field.Error
 * (`spec.containers[0].image: Required value`).
 * @module
 */
import type { FieldErrorType } from './field-path.js';

/**
 * The field error types these plain errors use: field-path.ts's (upstream's
 * field.ErrorType) but NotFound and InternalError, which no kind reports here.
 * FieldErr keeps a rendered message; field-path.ts's FieldError keeps the bad
 * value and renders it as Go does, for the kinds that need exact Go output.
 */
export type FieldErrType = Exclude<FieldErrorType, 'FieldValueNotFound' | 'InternalError'>;

export interface FieldErr {
  type: FieldErrType;
  field: string;
  /** The message without the field prefix (`Required value`, `Invalid value: "x": detail`). */
  message: string;
}

function render(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export const fieldErr = {
  required: (field: string, detail = ''): FieldErr => ({
    type: 'FieldValueRequired',
    field,
    message: detail ? `Required value: ${detail}` : 'Required value',
  }),
  invalid: (field: string, value: unknown, detail: string): FieldErr => ({
    type: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${render(value)}${detail ? `: ${detail}` : ''}`,
  }),
  notSupported: (field: string, value: unknown, supported: string[]): FieldErr => ({
    type: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${render(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldErr => ({ type: 'FieldValueDuplicate', field, message: `Duplicate value: ${render(value)}` }),
  forbidden: (field: string, detail: string): FieldErr => ({ type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldErr => ({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` }),
};

/** The one-line text upstream prints for a field error. */
export function fieldErrText(e: FieldErr): string {
  return `${e.field}: ${e.message}`;
}
