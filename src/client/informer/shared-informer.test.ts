// The informer over a scripted lister-watcher: initial sync, handlers, relist after 410 with tombstones, late handlers, resync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/index.js';
import { FakeClock } from '../clock.js';
import { ExpiredError } from '../errors.js';
import type { ListOptions, ObjectList, WatchOptions } from '../resource-client.js';
import { Watcher } from '../watch.js';
import type { ListerWatcher } from './reflector.js';
import { DeletedFinalStateUnknown, SharedInformer } from './shared-informer.js';

const tick = () => new Promise((r) => setImmediate(r));
const cm = (name: string, rv: number): KObject => ({ kind: 'ConfigMap', metadata: { namespace: 'd', name, resourceVersion: String(rv) } });

/** A lister-watcher whose list result and watch streams the test drives. */
class Script implements ListerWatcher<KObject> {
  items = new Map<string, KObject>();
  rv = 0;
  lists: ListOptions[] = [];
  watches: WatchOptions[] = [];
  private push: ((line: string | null) => void) | undefined;
  expireNextWatch = false;

  async list(o: ListOptions): Promise<ObjectList<KObject>> {
    this.lists.push(o);
    return { metadata: { resourceVersion: String(this.rv) }, items: [...this.items.values()] };
  }

  async watch(o: WatchOptions): Promise<Watcher<KObject>> {
    this.watches.push(o);
    if (this.expireNextWatch) {
      this.expireNextWatch = false;
      throw new ExpiredError({ kind: 'Status', apiVersion: 'v1', metadata: {}, code: 410, reason: 'Expired', message: 'too old' });
    }
    const lines: Array<string | null> = [];
    let wake: (() => void) | undefined;
    this.push = (l) => {
      lines.push(l);
      wake?.();
    };
    async function* body(): AsyncGenerator<Uint8Array> {
      for (;;) {
        while (lines.length === 0) await new Promise<void>((r) => (wake = r));
        const l = lines.shift()!;
        if (l === null) return;
        yield new TextEncoder().encode(l);
      }
    }
    return new Watcher({ status: 200, headers: {}, body: body(), cancel: () => this.push?.(null) });
  }

  /** Change state and send the event on the open watch. */
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', name: string): KObject {
    const obj = cm(name, ++this.rv);
    if (type === 'DELETED') this.items.delete(name);
    else this.items.set(name, obj);
    this.push?.(`${JSON.stringify({ type, object: obj })}\n`);
    return obj;
  }

  /** Change state while the watch is down (the informer misses it). */
  silently(type: 'ADDED' | 'DELETED', name: string): void {
    this.rv++;
    if (type === 'DELETED') this.items.delete(name);
    else this.items.set(name, cm(name, this.rv));
  }

  expire(): void {
    const s = { kind: 'Status', apiVersion: 'v1', metadata: {}, code: 410, reason: 'Expired', message: 'too old resource version' };
    this.push?.(`${JSON.stringify({ type: 'ERROR', object: s })}\n`);
  }

  endWatch(): void {
    this.push?.(null);
  }
}

function start(lw: Script, opts: { resyncMs?: number; clock?: FakeClock } = {}) {
  const clock = opts.clock ?? new FakeClock();
  const inf = new SharedInformer(lw, { clock, resyncMs: opts.resyncMs, backoffInitialMs: 10 });
  const log: string[] = [];
  inf.addEventHandler({
    onAdd: (o, initial) => log.push(`add ${o.metadata.name}${initial ? ' (initial)' : ''}`),
    onUpdate: (a, b) => log.push(`update ${b.metadata.name} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    onDelete: (o) => log.push(o instanceof DeletedFinalStateUnknown ? `tombstone ${o.key}` : `delete ${o.metadata.name}`),
  });
  const ac = new AbortController();
  const done = inf.run(ac.signal);
  return { inf, log, ac, done, clock };
}

test('the informer lists, syncs, then applies watch events in order', async () => {
  const lw = new Script();
  lw.silently('ADDED', 'a');
  const s = start(lw);
  assert.equal(await s.inf.waitForSync(), true);
  await tick();
  assert.equal(lw.watches[0]?.resourceVersion, '1');
  assert.equal(lw.watches[0]?.allowWatchBookmarks, true);
  lw.emit('ADDED', 'b');
  lw.emit('MODIFIED', 'a');
  lw.emit('DELETED', 'b');
  await tick();
  assert.deepEqual(s.log, ['add a (initial)', 'add b', 'update a 1->3', 'delete b']);
  assert.deepEqual(s.inf.list('d').map((o) => o.metadata.name), ['a']);
  assert.equal(s.inf.lastSyncResourceVersion, '4');
  s.ac.abort();
  await s.done;
});

test('a watch the server ends is resumed from the last version, without a relist', async () => {
  const lw = new Script();
  const s = start(lw);
  await s.inf.waitForSync();
  await tick();
  lw.emit('ADDED', 'a');
  await tick();
  lw.endWatch();
  await tick();
  assert.equal(lw.lists.length, 1);
  assert.deepEqual(lw.watches.map((w) => w.resourceVersion), ['0', '1']);
  s.ac.abort();
  await s.done;
});

test('a 410 in the stream relists at once; objects gone meanwhile become tombstones', async () => {
  const lw = new Script();
  lw.silently('ADDED', 'a');
  lw.silently('ADDED', 'b');
  const s = start(lw);
  await s.inf.waitForSync();
  await tick();
  lw.silently('DELETED', 'a');
  lw.silently('ADDED', 'c');
  lw.expire();
  await tick();
  assert.equal(lw.lists.length, 2);
  assert.equal(lw.lists[1]?.resourceVersion, '', 'after a 410 the relist asks for the freshest state');
  assert.deepEqual(s.log.slice(2).sort(), ['add c', 'tombstone d/a']);
  assert.deepEqual(s.inf.list().map((o) => o.metadata.name).sort(), ['b', 'c']);
  s.ac.abort();
  await s.done;
});

test('a 410 when opening the watch relists too', async () => {
  const lw = new Script();
  lw.expireNextWatch = true;
  const s = start(lw);
  await s.inf.waitForSync();
  await tick();
  await tick();
  assert.equal(lw.lists.length, 2);
  assert.equal(lw.watches.length, 2);
  s.ac.abort();
  await s.done;
});

test('a handler added after sync first gets every cached object; resync re-delivers updates', async () => {
  const lw = new Script();
  lw.silently('ADDED', 'a');
  const s = start(lw, { resyncMs: 1000 });
  await s.inf.waitForSync();
  const late: string[] = [];
  s.inf.addEventHandler({ onAdd: (o, initial) => late.push(`${o.metadata.name}:${initial}`), onUpdate: (a, b) => late.push(`resync ${a === b}`) });
  assert.deepEqual(late, ['a:true']);
  s.clock.step(1000);
  assert.deepEqual(late, ['a:true', 'resync true']);
  s.ac.abort();
  await s.done;
});

test('a throwing handler does not stop the others', async () => {
  const lw = new Script();
  lw.silently('ADDED', 'a');
  const errors: unknown[] = [];
  const inf = new SharedInformer(lw, { clock: new FakeClock(), onHandlerError: (e) => errors.push(e) });
  const seen: string[] = [];
  inf.addEventHandler({ onAdd: () => { throw new Error('bad handler'); } });
  inf.addEventHandler({ onAdd: (o) => seen.push(o.metadata.name!) });
  const ac = new AbortController();
  const done = inf.run(ac.signal);
  await inf.waitForSync();
  assert.deepEqual(seen, ['a']);
  assert.equal(errors.length, 1);
  ac.abort();
  await done;
});
