/**
 * Request bodies: read with kube-apiserver's 3 MiB limit (413 beyond),
 * decoded by Content-Type (JSON, YAML, Kubernetes protobuf), with nesting
 * depth capped so no input can overflow the stack.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { parse as parseYaml } from 'yaml';
import { errors } from '../errors.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_DEPTH = 1000;

export type Req = IncomingMessage | Http2ServerRequest;

export async function readBody(req: Req): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw errors.tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw errors.tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Nesting depth of a JSON text, counted without parsing (strings skipped). */
export function jsonDepth(text: string, limit = MAX_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escapes the next character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decoders for request bodies by media type; protobuf is plugged in by the server. */
export type BodyDecoder = (body: Buffer) => unknown;

export function decodeJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (jsonDepth(text) > MAX_DEPTH) throw errors.badRequest(`the request body is nested more than ${MAX_DEPTH} levels deep`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding request body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function decodeYaml(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (jsonDepth(text) > MAX_DEPTH) throw errors.badRequest(`the request body is nested more than ${MAX_DEPTH} levels deep`);
  try {
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (e) {
    throw errors.badRequest(`error converting YAML to JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Duplicate keys in a JSON text (for fieldValidation=Strict), as `path.key` strings. */
export function duplicateJsonFields(text: string): string[] {
  // A cheap tokenizer over objects: track keys per open object.
  const dups: string[] = [];
  const stack: Array<{ keys: Set<string>; path: string; isObj: boolean; pending?: string }> = [];
  let i = 0;
  const readString = (): string => {
    let s = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        s += text.slice(i, i + 2);
        i += 2;
      } else s += text[i++];
    }
    i++;
    return s;
  };
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (c === '{' || c === '[') {
      const base = top ? (top.isObj ? (top.pending !== undefined ? (top.path ? `${top.path}.${top.pending}` : top.pending) : top.path) : top.path) : '';
      stack.push({ keys: new Set(), path: base, isObj: c === '{' });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === '"') {
      const s = readString();
      let j = i;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (top?.isObj && text[j] === ':') {
        if (top.keys.has(s)) dups.push(top.path ? `${top.path}.${s}` : s);
        top.keys.add(s);
        top.pending = s;
      }
    } else i++;
  }
  return dups;
}
