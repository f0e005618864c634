/** ImageLocality: prefer nodes that already hold the pod's images, weighted by size and how widely each image is spread. */
import { MAX_NODE_SCORE, type Handle, type Plugin } from '../../framework/interface.js';
import { IMAGE_LOCALITY } from '../names/names.js';

export const NAME = IMAGE_LOCALITY;
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** `nginx` → `docker.io/library/nginx:latest`, as container runtimes report image names. */
export function normalizedImageName(name: string): string {
  let n = name;
  if (!n.includes('@') && !/:[^/]+$/.test(n)) n += ':latest';
  const first = n.split('/')[0] ?? '';
  if (!n.includes('/')) n = 'docker.io/library/' + n;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') n = 'docker.io/' + n;
  return n;
}

export function newImageLocality(_args: Record<string, unknown>, h: Handle): Plugin {
  return {
    name: NAME,
    score(_state, pod, node) {
      const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
      const total = h.nodes().length || 1;
      let sum = 0;
      for (const c of containers) {
        if (!c.image) continue;
        const want = normalizedImageName(c.image);
        const img = (node.node.status?.images ?? []).find((i) => (i.names ?? []).some((n) => normalizedImageName(n) === want));
        if (!img) continue;
        let spread = 0;
        for (const n of h.nodes()) if ((n.node.status?.images ?? []).some((i) => (i.names ?? []).some((x) => normalizedImageName(x) === want))) spread++;
        sum += (img.sizeBytes ?? 0) * (spread / total);
      }
      const max = MAX_CONTAINER_THRESHOLD * Math.max(1, containers.length);
      const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), max);
      return Math.floor((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
    },
  };
}
