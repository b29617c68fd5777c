/**
 * Followed files that are symlinks: their directory's watch does not see the target change (it may
 * live elsewhere), so each gets a watch of its own (fs events mode). A watch that cannot be set up
 * is left to the slow checks (`poll: 'auto'`).
 */
import { promises as fsp, watch, type FSWatcher } from 'node:fs';

export class LinkWatchers {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  /** Watch `abs` if it is a symlink; `onEvent(renamed)` for each event of its target. */
  async watchIfLink(abs: string, onEvent: (renamed: boolean) => void): Promise<void> {
    const st = await fsp.lstat(abs).catch(() => null);
    if (!st?.isSymbolicLink() || this.closed || this.watchers.has(abs)) return;
    try {
      const w = watch(abs, { persistent: true }, (type) => onEvent(type === 'rename'));
      w.on('error', () => {
        w.close();
        if (this.watchers.get(abs) === w) this.watchers.delete(abs);
      });
      this.watchers.set(abs, w);
    } catch {
      // the checks (poll: 'auto') still see it
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
