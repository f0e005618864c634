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
  // Stream events rather than `for await`: an async iterator per request costs more than the small bodies it reads.
  return new Promise<Buffer>((resolve, reject) => new BodyReader(req as IncomingMessage, resolve, reject));
}

/** One request body being read, through its stream events. */
class BodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private done = false;
  constructor(
    private readonly req: IncomingMessage,
    private readonly resolve: (b: Buffer) => void,
    private readonly reject: (e: Error) => void,
  ) {
    req.on('data', (c: Buffer) => this.data(c));
    req.once('end', () => this.finish(undefined));
    req.on('error', (e) => this.finish(e));
    req.once('close', () => this.finish(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
    if (req.readableEnded) this.finish(undefined);
  }
  private data(c: Buffer): void {
    if (this.done) return;
    this.size += c.length;
    if (this.size > MAX_BODY_BYTES) {
      this.finish(errors.tooLarge());
      this.req.destroy();
      return;
    }
    this.chunks.push(c);
  }
  private finish(err: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    if (err) this.reject(err);
    else this.resolve(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
  }
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

/** Duplicate keys in a JSON text (for fieldValidation), as `path.key` strings; one linear scan. */
export function duplicateJsonFields(text: string): string[] {
  const dups: string[] = [];
  // One frame per open object (keys seen so far) or array (keys = null).
  const stack: Array<{ keys: Set<string> | null; path: string; last: string }> = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const start = i + 1;
      let escaped = false;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) {
          escaped = true;
          i += 2;
        } else if (d === 34) break;
        else i++;
      }
      const end = i;
      i++;
      const top = stack[stack.length - 1];
      if (top?.keys) {
        let j = i;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 32 || d === 9 || d === 10 || d === 13) j++;
          else break;
        }
        if (text.charCodeAt(j) === 58) {
          const key = escaped ? (JSON.parse(text.slice(start - 1, end + 1)) as string) : text.slice(start, end);
          if (top.keys.has(key)) dups.push(top.path ? `${top.path}.${key}` : key);
          else top.keys.add(key);
          top.last = key;
          i = j + 1;
        }
      }
      continue;
    }
    if (c === 123 || c === 91) {
      const top = stack[stack.length - 1];
      const path = !top ? '' : top.keys ? (top.path ? `${top.path}.${top.last}` : top.last) : top.path;
      stack.push({ keys: c === 123 ? new Set() : null, path, last: '' });
    } else if (c === 125 || c === 93) stack.pop();
    i++;
  }
  return dups;
}
