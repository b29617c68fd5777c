import { useCallback, useSyncExternalStore } from 'react';
import type { SessionStore } from '../../session/store.ts';
import type { SessionSnapshot } from '../../session/types.ts';

const noop = () => () => {};

/**
 * The snapshot to draw: the store's latest, read through useSyncExternalStore (one render per
 * publish, never per line), or `frozen` while the display is paused: then the screen does not
 * even subscribe, so ingest goes on without renders.
 */
export function useSession(store: SessionStore, frozen: SessionSnapshot | null): SessionSnapshot {
  const subscribe = useCallback((fn: () => void) => (frozen ? noop() : store.subscribe(fn)), [store, frozen]);
  const get = useCallback(() => frozen ?? store.getSnapshot(), [store, frozen]);
  return useSyncExternalStore(subscribe, get, get);
}
