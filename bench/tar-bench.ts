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
