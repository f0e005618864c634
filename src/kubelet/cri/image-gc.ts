/**
 * Image garbage collection on disk pressure, as the kubelet's image GC
 * manager: when the image filesystem's usage reaches the high threshold
 * (`--image-gc-high-threshold`, default 85 %), unused images are removed least
 * recently used first until usage would be below the low threshold
 * (`--image-gc-low-threshold`, default 80 %). Images used by any container
 * (running or exited), the sandbox (pause) image, pinned images and images
 * first seen less than `--minimum-image-ttl-duration` ago (default 2m) stay.
 * The image filesystem is containerd's root (statfs).
 * @module
 */
import { statfsSync } from 'node:fs';
import type { CriClient, CriImage } from './cri-client.js';

export interface ImageGcPolicy {
  /** Usage (percent of the image filesystem) at or above which GC runs; 100 disables it. */
  highThresholdPercent: number;
  /** Usage GC frees down to. */
  lowThresholdPercent: number;
  /** Images detected more recently than this are never removed. */
  minAgeMs: number;
}

/** ImageGCFailed at most this often (upstream's GC period). */
const FAILURE_REPORT_MS = 300_000;

export const DEFAULT_IMAGE_GC_POLICY: ImageGcPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

/** Upstream's kubelet config validation, with its messages; returns the problems (empty when valid). */
export function validateImageGcPolicy(p: ImageGcPolicy): string[] {
  const errs: string[] = [];
  const hi = p.highThresholdPercent;
  const lo = p.lowThresholdPercent;
  if (!Number.isInteger(hi) || hi < 0 || hi > 100) errs.push(`invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) ${hi} must be between 0 and 100, inclusive`);
  if (!Number.isInteger(lo) || lo < 0 || lo > 100) errs.push(`invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) ${lo} must be between 0 and 100, inclusive`);
  if (lo >= hi) errs.push(`invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) ${lo} must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) ${hi}`);
  if (!(p.minAgeMs >= 0)) errs.push(`invalid configuration: --minimum-image-ttl-duration must not be negative`);
  return errs;
}

export interface FsStats {
  capacityBytes: number;
  availableBytes: number;
}

export function statFs(path: string): FsStats | undefined {
  try {
    const s = statfsSync(path);
    return { capacityBytes: Number(s.blocks) * Number(s.bsize), availableBytes: Number(s.bavail) * Number(s.bsize) };
  } catch {
    return undefined;
  }
}

/** Upstream: `100 - available*100/capacity` (integer division). */
export const usagePercent = (fs: FsStats): number => (fs.capacityBytes > 0 ? 100 - Math.floor((fs.availableBytes * 100) / fs.capacityBytes) : 0);

/** Bytes to free to get from `fs` to the low threshold (0 when below the high threshold). */
export function bytesToFree(fs: FsStats, p: ImageGcPolicy): number {
  if (p.highThresholdPercent >= 100 || usagePercent(fs) < p.highThresholdPercent) return 0;
  return Math.max(0, Math.floor((fs.capacityBytes * (100 - p.lowThresholdPercent)) / 100) - fs.availableBytes);
}

export interface ImageRecord {
  firstDetected: number;
  lastUsed: number;
  size: number;
}

/**
 * The images to remove, in order: not in use, old enough, least recently used
 * first (then first detected), until `toFree` bytes are reached.
 */
export function pickImages(images: Array<{ id: string; size: number }>, records: Map<string, ImageRecord>, inUse: Set<string>, toFree: number, now: number, minAgeMs: number): string[] {
  const candidates = images
    .filter((i) => !inUse.has(i.id))
    .map((i) => ({ ...i, rec: records.get(i.id) ?? { firstDetected: now, lastUsed: 0, size: i.size } }))
    .filter((i) => now - i.rec.firstDetected >= minAgeMs)
    .sort((a, b) => a.rec.lastUsed - b.rec.lastUsed || a.rec.firstDetected - b.rec.firstDetected);
  const out: string[] = [];
  let freed = 0;
  for (const c of candidates) {
    if (freed >= toFree) break;
    out.push(c.id);
    freed += c.size;
  }
  return out;
}

export interface ImageGcOptions {
  cri: CriClient;
  /** A directory on the image filesystem (containerd's root). */
  imageFsPath: string;
  /** The sandbox image, never removed (containerd 1.6 does not pin it); the runtime's own setting (CRI Status verbose) is kept too. */
  sandboxImage: string;
  policy?: Partial<ImageGcPolicy>;
  /** How often usage is checked and in-use images noted (default 10 s; upstream detects every 5 min). */
  periodMs?: number;
  now?: () => number;
  log(msg: string): void;
  /** A Warning event on the node when GC cannot free enough (upstream ImageGCFailed). */
  onFailure?(message: string): void;
}

export class ImageGC {
  readonly policy: ImageGcPolicy;
  private readonly records = new Map<string, ImageRecord>();
  private readonly timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private closed = false;
  private lastFailure = -Infinity;
  private sandboxImages: Set<string> | undefined;
  readonly stats = { runs: 0, removed: 0, freedBytes: 0 };

  constructor(private readonly o: ImageGcOptions) {
    this.policy = { ...DEFAULT_IMAGE_GC_POLICY, ...o.policy };
    if (this.policy.highThresholdPercent < 100) {
      this.timer = setInterval(() => void this.tick(), o.periodMs ?? 10_000);
      this.timer.unref();
    }
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private tick(): void {
    if (this.running || this.closed) return;
    this.running = this.collect()
      .catch((e: Error) => this.o.log(`image gc: ${e.message}`))
      .finally(() => (this.running = undefined));
  }

  /** One round: note what is in use; when over the high threshold, remove images down to the low one. Returns the removed image ids. */
  async collect(): Promise<string[]> {
    const now = this.now();
    const sandboxImages = (this.sandboxImages ??= await this.runtimeSandboxImages());
    const [images, containers] = await Promise.all([this.o.cri.listImages(), this.o.cri.listContainers()]);
    const inUse = new Set<string>();
    const refs = new Set(containers.flatMap((c) => [c.image_ref, c.image?.image ?? ''].filter(Boolean)));
    const used = (i: CriImage) => refs.has(i.id) || i.repo_tags.some((t) => refs.has(t) || sandboxImages.has(t)) || i.repo_digests.some((d) => refs.has(d)) || (i as { pinned?: boolean }).pinned === true;
    for (const i of images) {
      const rec = this.records.get(i.id) ?? { firstDetected: now, lastUsed: 0, size: Number(i.size) };
      rec.size = Number(i.size);
      if (used(i)) {
        inUse.add(i.id);
        rec.lastUsed = now;
      }
      this.records.set(i.id, rec);
    }
    for (const id of this.records.keys()) if (!images.some((i) => i.id === id)) this.records.delete(id);
    this.stats.runs++;
    const fs = statFs(this.o.imageFsPath);
    if (!fs) return [];
    const toFree = bytesToFree(fs, this.policy);
    if (toFree <= 0) return [];
    const pick = pickImages(
      images.map((i) => ({ id: i.id, size: Number(i.size) })),
      this.records,
      inUse,
      toFree,
      now,
      this.policy.minAgeMs,
    );
    let freed = 0;
    const removed: string[] = [];
    for (const id of pick) {
      const img = images.find((i) => i.id === id)!;
      this.o.log(`image gc: removing image ${img.repo_tags[0] ?? id} (${id}, ${img.size} bytes) to free space (usage ${usagePercent(fs)}% >= ${this.policy.highThresholdPercent}%)`);
      try {
        await this.o.cri.img('RemoveImage', { image: { image: id } }, 60_000);
      } catch (e) {
        this.o.log(`image gc: ${(e as Error).message}`);
        continue;
      }
      this.records.delete(id);
      removed.push(id);
      freed += Number(img.size);
    }
    this.stats.removed += removed.length;
    this.stats.freedBytes += freed;
    if (freed < toFree && now - this.lastFailure >= FAILURE_REPORT_MS) {
      this.lastFailure = now;
      const msg = `Failed to garbage collect required amount of images. Attempted to free ${toFree} bytes, but only found ${freed} bytes eligible to free.`;
      this.o.log(`image gc: ${msg}`);
      this.o.onFailure?.(msg);
    }
    return removed;
  }

  /** The configured sandbox image and the one the runtime reports (containerd: Status verbose → config.sandboxImage). */
  private async runtimeSandboxImages(): Promise<Set<string>> {
    const out = new Set([this.o.sandboxImage]);
    try {
      const r = await this.o.cri.rt<{ info?: Record<string, string> }>('Status', { verbose: true }, 10_000);
      const img = (JSON.parse(r.info?.config ?? '{}') as { sandboxImage?: string }).sandboxImage;
      if (img) out.add(img);
    } catch {
      /* older runtimes: the configured one */
    }
    return out;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}
