/** The kubelet's image GC flags, shared by `k8ts server` and `k8ts agent` (upstream names and validation messages). */
import { DEFAULT_IMAGE_GC_POLICY, validateImageGcPolicy, type ImageGcPolicy } from '../kubelet/index.js';
import { parseDuration } from './duration.js';

export const IMAGE_GC_OPTIONS = {
  'image-gc-high-threshold': { type: 'string', default: String(DEFAULT_IMAGE_GC_POLICY.highThresholdPercent) },
  'image-gc-low-threshold': { type: 'string', default: String(DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent) },
  'minimum-image-ttl-duration': { type: 'string', default: '2m' },
} as const;

export const IMAGE_GC_USAGE = `  --image-gc-high-threshold N  image filesystem usage (percent) at which unused images are removed (default 85; 100 = never)
  --image-gc-low-threshold N   usage image GC frees down to (default 80)
  --minimum-image-ttl-duration D  an unused image is kept at least this long after it is first seen (default 2m)
`;

export function parseImageGcFlags(v: { 'image-gc-high-threshold'?: string; 'image-gc-low-threshold'?: string; 'minimum-image-ttl-duration'?: string }): ImageGcPolicy {
  // pflag's message for a value that is not an integer.
  const num = (flag: string, s: string | undefined, d: number) => {
    if (s === undefined) return d;
    if (!/^-?\d+$/.test(s.trim())) throw new Error(`invalid argument "${s}" for "--${flag}" flag: strconv.ParseInt: parsing "${s}": invalid syntax`);
    return Number(s);
  };
  const p: ImageGcPolicy = {
    highThresholdPercent: num('image-gc-high-threshold', v['image-gc-high-threshold'], DEFAULT_IMAGE_GC_POLICY.highThresholdPercent),
    lowThresholdPercent: num('image-gc-low-threshold', v['image-gc-low-threshold'], DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent),
    minAgeMs: v['minimum-image-ttl-duration'] === undefined ? DEFAULT_IMAGE_GC_POLICY.minAgeMs : parseDuration(v['minimum-image-ttl-duration'], '--minimum-image-ttl-duration'),
  };
  const errs = validateImageGcPolicy(p);
  if (errs.length) throw new Error(errs.join('; '));
  return p;
}
