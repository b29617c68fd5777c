import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const s = new Session(); s.connect();
await s.post('HeapProfiler.enable');
await s.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as any);
process.argv[2] = process.env.TICKS ?? '200';
await import('./live-store.ts');
const r = await s.post('HeapProfiler.stopSampling');
writeFileSync('/tmp/alloc.heapprofile', JSON.stringify(r.profile));
