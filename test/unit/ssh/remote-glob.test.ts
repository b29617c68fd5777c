/** Remote glob expansion gives existing files only, also where literal names follow a wildcard. */
import { describe, expect, it } from 'vitest';
import type { RemoteDirEntry, RemoteFs } from '../../../src/sources/ssh/remote-fs.ts';
import { expandRemoteGlob } from '../../../src/sources/ssh/remote-glob.ts';
import { S_IFDIR, S_IFREG } from '../../../src/sources/ssh/sftp-ops.ts';

/** A directory tree as `path → entries`; a directory left out cannot be listed. */
function treeFs(tree: Record<string, RemoteDirEntry[]>): RemoteFs {
  return {
    via: 'sftp',
    open: async () => ({}),
    size: async () => 0,
    read: async () => Buffer.alloc(0),
    close: async () => {},
    readdir: async (p) => {
      const list = tree[p];
      if (!list) throw Object.assign(new Error(p.endsWith('gone') ? 'No such file' : 'Permission denied'), { code: p.endsWith('gone') ? 2 : 3 });
      return list;
    },
  };
}

const dir = (name: string): RemoteDirEntry => ({ name, type: S_IFDIR });
const file = (name: string): RemoteDirEntry => ({ name, type: S_IFREG });

describe('expandRemoteGlob', () => {
  it('a literal name after a wildcard (/data/*/train.log) matches only the directories that hold it', async () => {
    const fs = treeFs({
      '/data': [dir('run1'), dir('run2'), dir('old'), file('notes.txt')],
      '/data/run1': [file('train.log')],
      '/data/run2': [file('train.log'), file('eval.log')],
      '/data/old': [file('eval.log'), dir('train.log')],
    });
    expect((await expandRemoteGlob(fs, '/data/*/train.log')).paths).toEqual(['/data/run1/train.log', '/data/run2/train.log']);
    // Nothing there yet: nothing matched (the glob's row says so), not a "no such file" per directory.
    expect((await expandRemoteGlob(fs, '/data/*/missing.log')).paths).toEqual([]);
  });

  it('a directory that cannot be listed keeps the literal path (it may still be opened); one gone meanwhile does not', async () => {
    const fs = treeFs({ '/data': [dir('run1'), dir('locked'), dir('gone')], '/data/run1': [file('train.log')] });
    expect((await expandRemoteGlob(fs, '/data/*/train.log')).paths).toEqual(['/data/locked/train.log', '/data/run1/train.log']);
  });
});
