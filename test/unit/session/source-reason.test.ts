import { describe, expect, it } from 'vitest';
import { isWaitingReason, reasonOf } from '../../../src/session/source-reason.ts';

// Messages as the sources word them (ssh/node-tail.ts, ssh/connect.ts, ssh/known-hosts.ts,
// ssh/node-files.ts, local/file-tailer.ts, local-tail.ts).
describe('reasonOf: a few words for a source row', () => {
  it.each([
    ['nodns (no-such-host.invalid port 22): getaddrinfo ENOTFOUND no-such-host.invalid; reconnecting in 1.7 s', 'cannot resolve host, retry in 2 s'],
    ['nodns (x port 22): getaddrinfo EAI_AGAIN x; reconnecting in 0.46 s', 'cannot resolve host, retry in 0.5 s'],
    ['closed (127.0.0.1 port 4022): connect ECONNREFUSED 127.0.0.1:4022; reconnecting in 4.2 s', 'connection refused, retry in 4 s'],
    ['authentication as root@wrongkey failed (tried: /tmp/k); retrying in 60 s', 'authentication failed (key refused), retry in 60 s'],
    ['no way to authenticate as u@h: no ssh-agent (SSH_AUTH_SOCK) and no usable identity file; retrying in 60 s', 'no key to authenticate with (no agent, no identity file), retry in 60 s'],
    [
      'WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for h ([127.0.0.1]:2222)! The ssh-ed25519 host key for h differs from the one in /k/known_hosts (line 3). Someone could be eavesdropping. The fingerprint of the key sent by the remote host is SHA256:abc+/def=. Refusing to connect.',
      'host key changed: SHA256:abc+/def= (known_hosts line 3); refusing',
    ],
    ['Host [127.0.0.1]:2 is not in /k/kh: its ssh-ed25519 key fingerprint is SHA256:Zz9. Refusing to connect to an unknown host.', 'host key not in known_hosts: SHA256:Zz9; refusing (--accept-new adds it)'],
    ['Host key for h is REVOKED (/k line 2): ssh-ed25519 key fingerprint SHA256:Q. Refusing to connect.', 'host key revoked: SHA256:Q; refusing'],
    ['cannot start the SFTP subsystem: Unable to start subsystem: sftp', 'server has no SFTP subsystem'],
    // ssh/node-tail.ts openRemoteFs (the exec fallback)
    ['server has no SFTP subsystem; reading over exec', 'server has no SFTP subsystem; reading over exec'],
    ['server has no SFTP subsystem, and the server refused exec too (Unable to exec); retrying in 60 s', 'server has no SFTP subsystem, exec refused too, retry in 60 s'],
    ['server has no SFTP subsystem, and commands cannot run there (sh with tail, head and wc is needed: x); retrying in 60 s', 'server has no SFTP subsystem, and its shell lacks tail/head/wc, retry in 60 s'],
    ['no such file on good yet; looking again every 5 s', 'no such file (waiting for it to appear)'],
    ['waiting for the file to appear', 'no such file (waiting for it to appear)'],
    ['no file matches /logs/*.log yet; looking again every 5 s', 'glob matched nothing yet'],
    ['cannot open: permission denied', 'permission denied'],
    ["EACCES: permission denied, open '/x/secret.log'", 'permission denied'],
    ['cannot open: is a directory', 'is a directory'],
    ['not a regular file', 'not a regular file'],
    ['connection lost (Keepalive timeout); reconnecting in 0.5 s', 'connection lost, retry in 0.5 s'],
    ['no new log bytes for 12 s', 'no new lines for 12 s'],
  ])('%s', (message, words) => {
    expect(reasonOf(message)).toBe(words);
  });

  it('says nothing for messages that are not a reason, and keeps an unknown one (first clause)', () => {
    expect(reasonOf(undefined)).toBeNull();
    expect(reasonOf('connected to u@h port 22')).toBeNull();
    expect(reasonOf('following')).toBeNull();
    expect(reasonOf('stopped')).toBeNull();
    expect(reasonOf('jump host could not open a channel to n2 (10.0.0.2 port 22): open failed; reconnecting in 1 s')).toBe('jump host could not open a channel to n2 (10.0.0.2 port 22): open failed');
  });

  it('tells "not there yet" from errors', () => {
    expect(isWaitingReason('glob matched nothing yet')).toBe(true);
    expect(isWaitingReason('no such file (waiting for it to appear)')).toBe(true);
    expect(isWaitingReason('permission denied')).toBe(false);
  });
});
