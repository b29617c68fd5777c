/**
 * Follows one local file for the local tail source: its lifecycle (open, streaming / quiet /
 * stale / ended / error states), rotation (the name checked against the open file), deletion and
 * re-creation. Reading and copytruncate are the cursor's (read-cursor.ts), rename hand-over the
 * registry's (rename-handoff.ts). One `tick` runs at a time; events that arrive meanwhile
 * collapse into a single follow-up tick.
 *
 * Files on a local filesystem in fs events mode are read synchronously: a read of what was just
 * appended comes from the page cache in microseconds, and the promise and thread-pool round trip
 * of an async call costs far more. The source's scheduler calls `readNow` for those; opening,
 * rotation and errors always go through the async `tick`. Files that can block (NFS, Lustre) are
 * read asynchronously.
 *
 * A file idle for `idleCloseMs` (or the least recently read one, when the source's budget of open
 * descriptors is spent: open-files.ts) is "parked": its descriptor closed, its offset, partial line
 * and identity (dev:ino) kept. A parked file costs no descriptor; its check is a stat by name,
 * and a change (event, check) opens it again: the same file continues where it stopped, another
 * file at the name is a rotation. What a parked file got after its last read and before it was
 * renamed away is read only if the new name is followed too (the rename hand-over continues it).
 */
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { describeError, errCode, identOf, statOrNull } from './fs-facts.ts';
import { ReadCursor } from './read-cursor.ts';
import { IDENT_CHECK_MS, RESTART, TailerBase } from './tailer-base.ts';
import { notRegularFile, openWithinBudget, sameFileUnchanged } from './tailer-open.ts';

export type { TailContext } from './tail-context.ts';

export type { ReadNow } from './tailer-base.ts';

/**
 * After a tick that read bytes, look once more this much later (unless the context says
 * otherwise): file watchers that drop events following another within a few ms (chokidar
 * throttles `change` with no trailing call) could make the last write of a burst wait for the
 * next event or slow check.
 */
const TRAILING_CHECK_MS = 50;

export class FileTailer extends TailerBase {
  /** Ask for a tick; coalesces with one in flight. */
  schedule(): void {
    if (this.ctx.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.current = (async () => {
      try {
        do {
          this.again = false;
          this.lastCheck = performance.now();
          try {
            await this.tick();
          } catch (e) {
            try {
              if (!this.ctx.stopped) this.setState('error', describeError(e));
              // A descriptor that went bad (file replaced on the NFS server): let it go and
              // open the name afresh at the next check.
              if (errCode(e) === 'ESTALE' && this.fh) {
                this.reopenNote = `reopened after a stale handle; ${RESTART}`;
                await this.release(false);
              }
            } catch {
              // emit itself threw: nothing more to report to
            }
          }
        } while (this.again && !this.ctx.stopped);
      } finally {
        this.running = false;
        this.ctx.openFiles?.settled();
        this.settleFirst();
        const trailingMs = this.ctx.trailingCheckMs ?? TRAILING_CHECK_MS;
        if (this.gotBytes && trailingMs > 0 && !this.trailing && !this.ctx.stopped) {
          this.trailing = setTimeout(() => {
            this.trailing = null;
            this.schedule();
          }, trailingMs);
        }
        this.gotBytes = false;
      }
    })();
  }

  /** Quiet / stale bookkeeping, from the source's maintenance timer. */
  checkIdle(quietMs: number, staleMs: number): void {
    if ((!this.fh && !this.parked) || (this.state !== 'streaming' && this.state !== 'quiet' && this.state !== 'stale')) return;
    const idle = this.ctx.now() - this.lastDataAt;
    if (idle >= staleMs) this.setState('stale', `no new bytes for ${Math.round(idle / 1000)} s`);
    else if (idle >= quietMs && this.state === 'streaming') this.setState('quiet', `no new bytes for ${Math.round(idle / 1000)} s`);
    const closeAfter = this.ctx.idleCloseMs;
    if (closeAfter !== undefined && this.fh && idle >= closeAfter) void this.park();
  }

  /** Close the descriptor (after the tick loop has settled) and report `ended`. */
  async close(): Promise<void> {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    await this.current.catch(() => undefined);
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    const fh = this.fh;
    this.fh = null;
    this.parked = false;
    if (this.ident) this.ctx.handoff.drop(this.ident, this);
    this.ident = null;
    if (fh) await fh.close().catch(() => undefined);
    if (fh) this.ctx.openFiles?.released(this);
    this.settleFirst();
  }

  private async tick(): Promise<void> {
    // A parked file that did not change (same file at the name, same size) stays closed.
    if (this.parked && !this.identDue && sameFileUnchanged(this.abs, this.ident, this.cursor.offset)) return;
    if (!this.fh) {
      const ok = await this.open();
      this.settleFirst();
      if (!ok) return;
    }
    await this.readToEof();
    if (!this.fh || this.ctx.stopped) return;

    // Does the name still point at the file we read? A stat by name per read would dominate the
    // cost of following hundreds of busy files, so it is asked at most every IDENT_CHECK_MS.
    const mono = performance.now();
    if (!this.identDue && mono - this.lastIdentCheck < IDENT_CHECK_MS) return;
    this.identDue = false;
    this.lastIdentCheck = mono;
    let pst: Stats | null = null;
    try {
      pst = await fsp.stat(this.abs);
    } catch (e) {
      const code = errCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return; // cannot tell: keep reading the descriptor
    }
    if (pst && identOf(pst) === this.ident) return;
    if (this.ctx.stopped) return;

    // Rotated (the name now holds another file) or removed / renamed away: finish the old
    // descriptor first, then hand it over or let it go.
    await this.readToEof();
    if (!this.fh || this.ctx.stopped) return;
    const nlink = (await this.fh.stat()).nlink;
    await this.release(nlink > 0);
    if (!pst) {
      pst = await statOrNull(this.abs); // re-created meanwhile?
      if (!pst) {
        if (nlink > 0) {
          this.reopenNote = `rotated: new file; ${RESTART}`;
          this.setState('connecting', 'renamed away (rotated?); waiting for a new file');
        } else {
          this.reopenNote = `re-created; ${RESTART}`;
          this.setState('ended', 'deleted');
        }
        return;
      }
    }
    this.reopenNote = `rotated: new file; ${RESTART}`;
    if (await this.open()) await this.readToEof();
  }

  /** Open the name within the source's descriptor budget; why not (state set) when it cannot be opened now. */
  private async openName(): Promise<FileHandle | 'missing' | 'failed'> {
    const r = await openWithinBudget(this.ctx, this, this.abs);
    if ('fh' in r) return r.fh;
    if (r.missing) {
      if (this.state === null || this.state === 'error' || (this.state === 'connecting' && this.message === undefined)) {
        this.setState('connecting', 'waiting for the file to appear');
      }
      return 'missing';
    }
    this.setState('error', describeError(r.error));
    return 'failed';
  }

  /**
   * A parked file is opened again: the same file continues where it stopped (true, nothing to
   * say). Else the name now holds another file, or none: the parked one is let go (handed to
   * the tailer of the name it was renamed to, if one waits) and `fh` (if any) is a new file.
   */
  private async unpark(fh: FileHandle | null): Promise<boolean> {
    this.parked = false;
    if (fh) {
      let st: Stats | null = null;
      try {
        st = await fh.stat();
      } catch {
        st = null;
      }
      if (st && identOf(st) === this.ident && !this.ctx.stopped) {
        this.fh = fh;
        this.lastIdentCheck = performance.now();
        return true;
      }
    }
    const ident = this.ident!;
    this.ident = null;
    // The old file may live on under another name: hand it over or record where reading stopped.
    const { cursor, waiters } = this.ctx.handoff.letGo(this, ident, this.birth, this.cursor, true, () => this.freshCursor());
    this.cursor = cursor;
    for (const w of waiters) w.schedule();
    this.reopenNote = `rotated: new file; ${RESTART}`;
    if (!fh) this.setState('connecting', 'renamed away or deleted while idle; waiting for a new file');
    return false;
  }

  private async open(): Promise<boolean> {
    const got = await this.openName();
    // A parked file whose name is there but cannot be opened (permission denied, out of
    // descriptors) is not gone: it stays parked, its offset kept, in error until it opens (letting
    // it go said "renamed away or deleted while idle").
    if (got === 'failed' && this.parked) return false;
    const fh = typeof got === 'string' ? null : got;
    if (this.parked) {
      if (await this.unpark(fh)) return true;
      if (!fh) return false;
    }
    if (!fh) return false;
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      return this.giveUp(fh, describeError(e));
    }
    if (this.ctx.stopped) return this.giveUp(fh);
    if (!st.isFile()) return this.giveUp(fh, notRegularFile(st));
    const ident = identOf(st);
    const birth = st.birthtimeMs;
    let syncIo = false;
    if (this.ctx.useSyncIo && this.ctx.syncBuffer) {
      try {
        syncIo = await this.ctx.useSyncIo(this.abs);
      } catch {
        syncIo = false;
      }
      if (this.ctx.stopped) return this.giveUp(fh);
    }

    // Is this file being read under another name? Then this name is where it was renamed to
    // (rotation with a pattern that also matches the rotated name): take over from that reader
    // once it has finished its descriptor, instead of reading everything twice. A hard link
    // (the other name still points at the file) is simply read again.
    const reader = await this.ctx.handoff.readerToWaitFor(ident, this);
    if (reader) {
      await fh.close().catch(() => undefined);
      this.ctx.openFiles?.released(this);
      this.setState('connecting', `renamed from ${reader.display}; taking over from its reader`);
      reader.schedule();
      return false;
    }

    let note = this.reopenNote ?? undefined;
    const resume = this.ctx.handoff.resume(this, ident, birth, st.size);
    if (resume && 'cursor' in resume) {
      this.cursor = resume.cursor;
      this.cursor.node = this.node;
      this.cursor.display = this.display;
      note = `renamed from ${resume.from}: continuing at line ${resume.cursor.lineNo + 1}`;
    } else if (resume) {
      this.cursor = this.freshCursor();
      this.cursor.resetTo(resume.offset, resume.lineNo);
      note = `renamed from ${resume.from}: continuing at line ${resume.lineNo + 1}`;
    } else {
      this.cursor = new ReadCursor(this.ctx, this.node, this.display);
      this.cursor.skipBefore = this.initial && !this.everOpened && !this.ctx.fromStart ? st.size : 0;
    }
    this.fh = fh;
    this.syncIo = syncIo;
    this.ident = ident;
    this.birth = birth;
    this.ctx.handoff.hold(ident, this);
    this.everOpened = true;
    this.reopenNote = null;
    this.lastDataAt = this.ctx.now();
    this.setState('streaming', note);
    return true;
  }

  /** Close a descriptor just opened and not kept; with `error`, say why. Always false (not opened). */
  private async giveUp(fh: FileHandle, error?: string): Promise<false> {
    await fh.close().catch(() => undefined);
    this.ctx.openFiles?.released(this);
    if (error !== undefined) this.setState('error', error);
    return false;
  }

  /** Let go of the current descriptor: hand it to a tailer of the name it was renamed to, or flush. */
  private async release(renamed: boolean): Promise<void> {
    const fh = this.fh!;
    const ident = this.ident!;
    this.fh = null;
    this.ident = null;
    const { cursor, waiters } = this.ctx.handoff.letGo(this, ident, this.birth, this.cursor, renamed, () => this.freshCursor());
    this.cursor = cursor;
    await fh.close().catch(() => undefined);
    this.ctx.openFiles?.released(this);
    for (const w of waiters) w.schedule();
  }


}
