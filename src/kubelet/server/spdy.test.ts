// SPDY/3.1 framing: frames round-trip through the parser, and header blocks are valid zlib that a real
// inflater with the SPDY/3 dictionary decodes block by block (what Go's spdystream does on the other side).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInflate, constants } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { FrameParser, FrameType, SpdyClient, controlFrame, dataFrame, headerBlock, storedZlib, FLAG_FIN } from './spdy.js';

/** Feeds zlib bytes one block at a time and collects what a sync-flushing inflater hands out after each. */
async function inflateBlocks(blocks: Buffer[]): Promise<Buffer[]> {
  const inf = createInflate({ dictionary: Buffer.from('unused: stored blocks never refer to the dictionary') });
  const out: Buffer[] = [];
  for (const b of blocks) {
    const got: Buffer[] = [];
    const onData = (d: Buffer) => got.push(d);
    inf.on('data', onData);
    await new Promise<void>((resolve) => {
      inf.write(b);
      inf.flush(constants.Z_SYNC_FLUSH, () => resolve());
    });
    inf.off('data', onData);
    out.push(Buffer.concat(got));
  }
  return out;
}

test('frames round-trip through the parser, split at any byte', () => {
  const frames = [controlFrame(FrameType.Ping, 0, Buffer.from([0, 0, 0, 2])), dataFrame(3, FLAG_FIN, Buffer.from('hello')), dataFrame(5, 0, Buffer.alloc(70_000, 1))];
  const wire = Buffer.concat(frames);
  for (const step of [1, 7, 4096, wire.length]) {
    const p = new FrameParser();
    const got = [];
    for (let i = 0; i < wire.length; i += step) got.push(...p.push(wire.subarray(i, i + step)));
    assert.equal(got.length, 3);
    assert.deepEqual(got[0], { control: true, type: FrameType.Ping, flags: 0, payload: Buffer.from([0, 0, 0, 2]) });
    assert.deepEqual(got[1], { control: false, streamId: 3, flags: FLAG_FIN, data: Buffer.from('hello') });
    assert.equal(got[2]!.control ? 0 : got[2]!.data.length, 70_000);
  }
});

test('header blocks are one zlib stream of stored blocks, each ending in a sync flush', async () => {
  const a = headerBlock({ streamType: 'error' });
  const b = headerBlock({ StreamType: 'stdout', port: '80' });
  // count=1, len=10 "streamtype", len=5 "error": names lower-cased as SPDY/3 requires
  assert.deepEqual(a, Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 10]), Buffer.from('streamtype'), Buffer.from([0, 0, 0, 5]), Buffer.from('error')]));
  const z1 = storedZlib(a, true);
  const z2 = storedZlib(b, false);
  assert.deepEqual(z1.subarray(-5), Buffer.from([0, 0, 0, 0xff, 0xff]));
  const [o1, o2] = await inflateBlocks([z1, z2]);
  assert.deepEqual(o1, a);
  assert.deepEqual(o2, b);
  const big = Buffer.alloc(150_000, 7);
  const [ob] = await inflateBlocks([storedZlib(big, true)]);
  assert.deepEqual(ob, big);
});

test('the client opens odd-numbered streams, echoes server pings, routes data and FIN, refuses server streams', () => {
  const sent: Buffer[] = [];
  const sock = new PassThrough();
  sock.on('data', (d: Buffer) => sent.push(d));
  // a duplex whose reads come from `wire` and writes go to `sock`
  const duplex = Object.assign(new PassThrough(), { write: (d: Buffer) => sock.write(d) }) as unknown as PassThrough;
  const c = new SpdyClient(duplex);
  const s1 = c.open({ streamtype: 'error' });
  const s3 = c.open({ streamtype: 'stdout' });
  assert.equal(s1.id, 1);
  assert.equal(s3.id, 3);
  const got: string[] = [];
  s3.on('data', (d: Buffer) => got.push(d.toString()));
  s3.on('end', () => got.push('<end>'));
  const reply = Buffer.alloc(4);
  reply.writeUInt32BE(3);
  c.feed(Buffer.concat([controlFrame(FrameType.SynReply, 0, Buffer.concat([reply, storedZlib(headerBlock({}), true)])), dataFrame(3, 0, Buffer.from('hi')), dataFrame(3, FLAG_FIN, Buffer.alloc(0)), controlFrame(FrameType.Ping, 0, Buffer.from([0, 0, 0, 4]))]));
  const syn = Buffer.alloc(10);
  syn.writeUInt32BE(2);
  c.feed(controlFrame(FrameType.SynStream, 0, syn));
  assert.equal(s3.replied, true);
  assert.deepEqual(got, ['hi', '<end>']);
  const frames = new FrameParser().push(Buffer.concat(sent));
  assert.deepEqual(frames.map((f) => (f.control ? f.type : 'data')), [FrameType.SynStream, FrameType.SynStream, FrameType.Ping, FrameType.RstStream]);
  const rst = frames[3]!;
  assert.ok(rst.control && rst.payload.readUInt32BE(0) === 2 && rst.payload.readUInt32BE(4) === 3);
  c.close();
});
