import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { readTar } from '../src/sources/tar-reader.ts';

/**
 * The tar READER decision (hand-written src/sources/tar-reader.ts vs the kept library tar-stream):
 * both walk the same .tgz, gunzipped the same way, draining every member's data; interleaved,
 * best of `rounds`, in this process.
 */
type Walk = (tgz: string) => Promise<{ members: number; bytes: number }>;

const gunzip = (tgz: string) => createReadStream(tgz, { highWaterMark: 256 * 1024 }).pipe(createGunzip({ chunkSize: 128 * 1024 }));

const ours: Walk = async (tgz) => {
  let members = 0;
  let bytes = 0;
  for await (const item of readTar(gunzip(tgz))) {
    if (item.type !== 'file') continue;
    members++;
    for await (const c of item.chunks()) bytes += c.length;
  }
  return { members, bytes };
};

const library: Walk = async (tgz) => {
  let members = 0;
  let bytes = 0;
  const extract = tarStream.extract();
  gunzip(tgz).pipe(extract);
  for await (const entry of extract) {
    if (entry.header.type === 'file') members++;
    for await (const c of entry as AsyncIterable<Buffer>) bytes += c.length;
  }
  return { members, bytes };
};

async function once(w: Walk, tgz: string): Promise<{ wallS: number; cpuS: number; members: number; bytes: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await w(tgz);
  const u = process.cpuUsage(c0);
  return { wallS: Number(process.hrtime.bigint() - t0) / 1e9, cpuS: (u.user + u.system) / 1e6, ...r };
}

export async function benchTarReader(archives: { name: string; tgz: string }[], rounds: number): Promise<string[]> {
  const lines: string[] = [];
  for (const a of archives) {
    const best = { ours: { wallS: Infinity, cpuS: Infinity }, lib: { wallS: Infinity, cpuS: Infinity } };
    let check = '';
    for (let i = 0; i < rounds; i++) {
      const x = await once(ours, a.tgz);
      const y = await once(library, a.tgz);
      if (x.members !== y.members || x.bytes !== y.bytes) throw new Error(`tar readers disagree on ${a.tgz}: ${x.members}/${x.bytes} vs ${y.members}/${y.bytes}`);
      check = `${x.members} members, ${(x.bytes / 2 ** 20).toFixed(0)} MiB`;
      best.ours = { wallS: Math.min(best.ours.wallS, x.wallS), cpuS: Math.min(best.ours.cpuS, x.cpuS) };
      best.lib = { wallS: Math.min(best.lib.wallS, y.wallS), cpuS: Math.min(best.lib.cpuS, y.cpuS) };
    }
    lines.push(
      `${a.name} (${check}): hand-written ${best.ours.wallS.toFixed(2)} s (cpu ${best.ours.cpuS.toFixed(2)} s), tar-stream ${best.lib.wallS.toFixed(2)} s (cpu ${best.lib.cpuS.toFixed(2)} s): ratio ${(best.ours.wallS / best.lib.wallS).toFixed(2)}`,
    );
  }
  return lines;
}

/**
 * The other half of the decision: what each reader SAYS about a damaged archive. The same
 * damaged tar (cut inside a member's data, cut inside a header, one header byte flipped) goes
 * through both; the report each gives is printed side by side. tar-stream's messages carry no
 * byte offset and no count of missing bytes, which the problem reports (and their tests) need.
 */
function damagedTars(): { name: string; bytes: Buffer }[] {
  const header = (name: string, size: number): Buffer => {
    const h = Buffer.alloc(512);
    h.write(name, 0, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(size.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    return h;
  };
  const member = (name: string, size: number) => Buffer.concat([header(name, size), Buffer.alloc(Math.ceil(size / 512) * 512, 0x61)]);
  const whole = Buffer.concat([member('one.log', 1000), member('two.log', 3000), Buffer.alloc(1024)]);
  const flipped = Buffer.from(whole);
  flipped[1546] = flipped[1546]! ^ 0x20; // a byte of two.log's header name: its checksum no longer matches
  return [
    { name: 'cut inside two.log', bytes: whole.subarray(0, 1536 + 512 + 1000) },
    { name: 'cut inside a header', bytes: whole.subarray(0, 1536 + 100) },
    { name: 'flipped header byte', bytes: flipped },
  ];
}

async function reportOurs(bytes: Buffer): Promise<string> {
  const said: string[] = [];
  for await (const item of readTar((async function* () { yield bytes; })())) {
    if (item.type === 'problem') said.push(`${item.problem.kind} at byte ${item.problem.offset}: ${item.problem.message}`);
    else {
      try {
        for await (const _ of item.chunks()) void _;
      } catch {
        // a cut member's stream ends with an error; the reader then yields the problem
      }
    }
  }
  return said.join('; ') || '(nothing)';
}

async function reportLibrary(bytes: Buffer): Promise<string> {
  const extract = tarStream.extract();
  extract.end(bytes);
  try {
    for await (const entry of extract) for await (const _ of entry as AsyncIterable<Buffer>) void _;
    return '(nothing)';
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

export async function compareTarReports(): Promise<string[]> {
  const lines: string[] = [];
  for (const d of damagedTars()) {
    lines.push(`${d.name}:`, `    hand-written: ${await reportOurs(d.bytes)}`, `    tar-stream:   ${await reportLibrary(d.bytes)}`);
  }
  return lines;
}
