import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  keyTypeOf,
  knownHostsName,
  loadKnownHosts,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from '../../../src/sources/ssh/known-hosts.ts';

let dir: string;
const keys: Record<string, { line: string; blob: Buffer; fp: string }> = {};

function genKey(name: string, type: string): void {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', path]);
  const line = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(/\s+/)[1]!;
  keys[name] = { line, blob: Buffer.from(line.split(' ')[1]!, 'base64'), fp };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kh-test-'));
  genKey('a', 'ed25519');
  genKey('b', 'ed25519');
  genKey('c', 'ecdsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('known_hosts', () => {
  it('names, key types and OpenSSH-identical fingerprints', () => {
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('h', 2222)).toBe('[h]:2222');
    expect(keyTypeOf(keys.a!.blob)).toBe('ssh-ed25519');
    expect(fingerprintSha256(keys.a!.blob)).toBe(keys.a!.fp);
    expect(fingerprintSha256(keys.c!.blob)).toBe(keys.c!.fp);
  });

  it('plain, [host]:port, comma lists and patterns', () => {
    const kh = parseKnownHosts(
      [`# comment`, `h1,10.0.0.1 ${keys.a!.line}`, `[h2]:2222 ${keys.b!.line}`, `*.corp,!bad.corp ${keys.c!.line}`, `garbage`, ''].join('\n'),
    );
    expect(kh.notes).toHaveLength(1);
    expect(checkHostKey(kh, 'h1', 22, keys.a!.blob).status).toBe('ok');
    expect(checkHostKey(kh, '10.0.0.1', 22, keys.a!.blob).status).toBe('ok');
    expect(checkHostKey(kh, 'h1', 22, keys.b!.blob).status).toBe('changed');
    expect(checkHostKey(kh, 'h1', 2222, keys.a!.blob).status).toBe('unknown'); // other port: other name
    expect(checkHostKey(kh, 'h2', 2222, keys.b!.blob).status).toBe('ok');
    expect(checkHostKey(kh, 'h2', 22, keys.b!.blob).status).toBe('unknown');
    expect(checkHostKey(kh, 'x.corp', 22, keys.c!.blob).status).toBe('ok');
    expect(checkHostKey(kh, 'bad.corp', 22, keys.c!.blob).status).toBe('unknown');
  });

  it('hashed entries written by ssh-keygen -H', () => {
    const path = join(dir, 'hashed');
    writeFileSync(path, `node01 ${keys.a!.line}\n[node02]:2200 ${keys.b!.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', path], { stdio: 'ignore' });
    const text = readFileSync(path, 'utf8');
    expect(text).not.toMatch(/node0/);
    expect(text).toMatch(/^\|1\|/);
    const kh = loadKnownHosts(path);
    expect(kh.entries).toHaveLength(2);
    expect(checkHostKey(kh, 'node01', 22, keys.a!.blob).status).toBe('ok');
    expect(checkHostKey(kh, 'node02', 2200, keys.b!.blob).status).toBe('ok');
    expect(checkHostKey(kh, 'node01', 22, keys.b!.blob).status).toBe('changed');
    expect(checkHostKey(kh, 'node03', 22, keys.a!.blob).status).toBe('unknown');
  });

  it('@revoked is refused, @cert-authority ignored', () => {
    const kh = parseKnownHosts(`@revoked * ${keys.a!.line}\nh ${keys.a!.line}\n@cert-authority *.corp ${keys.b!.line}\n`);
    expect(checkHostKey(kh, 'h', 22, keys.a!.blob).status).toBe('revoked');
    expect(checkHostKey(kh, 'x.corp', 22, keys.b!.blob).status).toBe('unknown');
  });

  it('prefers the algorithms of known key types', () => {
    const kh = parseKnownHosts(`h ${keys.c!.line}\n`);
    expect(preferredHostKeyAlgorithms(kh, 'h', 22)[0]).toBe('ecdsa-sha2-nistp256');
    expect(preferredHostKeyAlgorithms(kh, 'other', 22)[0]).toBe('ssh-ed25519');
  });

  it('verifyHostKey: unknown refused with fingerprint and flag; accept-new appends [host]:port; changed always refused', () => {
    const path = join(dir, 'sub', 'known_hosts');
    const base = { knownHostsPath: path, label: 'node07', host: '127.0.0.1', port: 2222, key: keys.a!.blob };
    const unknown = verifyHostKey({ ...base, acceptNew: false });
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.message).toMatch(/node07/);
    expect(!unknown.ok && unknown.message).toContain(keys.a!.fp);
    expect(!unknown.ok && unknown.message).toContain('--accept-new');

    const added = verifyHostKey({ ...base, acceptNew: true });
    expect(added.ok).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(`[127.0.0.1]:2222 ${keys.a!.line}\n`);
    expect(verifyHostKey({ ...base, acceptNew: false }).ok).toBe(true);

    const changed = verifyHostKey({ ...base, key: keys.b!.blob, acceptNew: true });
    expect(changed.ok).toBe(false);
    expect(!changed.ok && changed.reason).toBe('changed');
    expect(!changed.ok && changed.message).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(!changed.ok && changed.message).toContain(keys.b!.fp);
    // Another key type for a host we know is refused too.
    const otherType = verifyHostKey({ ...base, key: keys.c!.blob, acceptNew: true });
    expect(otherType.ok).toBe(false);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('appendKnownHost: port 22 plain name, adds a missing newline, refuses hostile names', () => {
    const path = join(dir, 'kh2');
    writeFileSync(path, `other ${keys.c!.line}`); // no trailing newline
    appendKnownHost(path, 'node01', 22, keys.a!.blob);
    expect(readFileSync(path, 'utf8')).toBe(`other ${keys.c!.line}\nnode01 ${keys.a!.line}\n`);
    expect(() => appendKnownHost(path, 'evil\nhost', 22, keys.a!.blob)).toThrow(/refusing/);
    expect(() => appendKnownHost(path, 'a,b', 22, keys.a!.blob)).toThrow(/refusing/);
  });
});
