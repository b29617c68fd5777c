import { describe, expect, it } from 'vitest';
import { type IncludeReader, parseSshConfig } from '../../../src/sources/ssh/ssh-config.ts';
import { parseProxyJump } from '../../../src/sources/ssh/ssh-config-values.ts';
import { resolveHost } from '../../../src/sources/ssh/ssh-host-resolve.ts';
import { matchPatternList, wildcardMatch } from '../../../src/sources/ssh/pattern.ts';

const env = { localUser: 'me', home: '/home/me', localHost: 'laptop.example.com' };

const CONFIG = `
# global options first
ServerAliveInterval 30
Include ~/.ssh/config.d/*

Host node?? !node99
  HostName %h.cluster.example.com
  User bench
  IdentityFile ~/.ssh/cluster_%r_%h
  ProxyJump jumper@bastion.example.com:2222

Host node99
  HostName 10.0.0.99
  Port 2200

Host bastion.example.com
  IdentityFile ~/.ssh/bastion
  User ignored-because-jump-says-jumper

Host gpu-*
  User = gpu
  Port=2022
  ProxyJump a,b@c:23,ssh://d@e:24

Host *
  User fallback
  IdentityFile "~/.ssh/id with space"
  Port 22
`;

describe('ssh config', () => {
  const cfg = parseSshConfig(CONFIG, '/home/me/.ssh/config');

  it('without a reader, says the Include was not read', () => {
    expect(cfg.notes.join('\n')).toMatch(/Include ~\/\.ssh\/config\.d\/\* not read/);
  });

  it('follows Include in place: earlier values win, a Host block makes the included blocks conditional', () => {
    const files: Record<string, string> = {
      'site/*': 'Host gpu-*\n  User site\n',
      'bastion.inc': 'HostName 10.9.9.9\nHost never-matches-alone\n  Port 4444\n',
      'loop': 'Include loop\n',
    };
    const seen: string[] = [];
    const reader: IncludeReader = (pattern) => {
      seen.push(pattern);
      if (pattern === 'unreadable') return [{ path: '/x/unreadable', error: 'permission denied' }];
      const text = files[pattern];
      return text === undefined ? [] : [{ path: `/inc/${pattern}`, text }];
    };
    const c = parseSshConfig(
      'Include site/*\nHost bastion\n  Include bastion.inc\n  Port 2200\nHost *\n  User fallback\n  Port 22\nInclude unreadable\nInclude loop\n',
      '/home/me/.ssh/config',
      reader,
    );
    expect(resolveHost(c, 'gpu-1', env).user).toBe('site');
    const b = resolveHost(c, 'bastion', env);
    expect(b.hostName).toBe('10.9.9.9');
    expect(b.port).toBe(2200); // the rest of the Host block still applies after the Include
    // A Host block inside an included file holds only where the including block holds too.
    expect(resolveHost(c, 'never-matches-alone', env).port).toBe(22);
    expect(c.notes.join('\n')).toMatch(/Include \/x\/unreadable: permission denied, ignored/);
    expect(c.notes.join('\n')).toMatch(/nested more than 16 deep/);
    expect(seen.filter((p) => p === 'loop')).toHaveLength(16);
  });

  it('first match wins, patterns with ? and negation, tokens in HostName and IdentityFile', () => {
    const r = resolveHost(cfg, 'node07', env);
    expect(r.hostName).toBe('node07.cluster.example.com');
    expect(r.user).toBe('bench');
    expect(r.port).toBe(22);
    // IdentityFile accumulates over matching blocks; %r = remote user, %h = HostName.
    expect(r.identityFiles).toEqual(['/home/me/.ssh/cluster_bench_node07.cluster.example.com', '/home/me/.ssh/id with space']);
    expect(r.proxyJump).toEqual([{ user: 'jumper', host: 'bastion.example.com', port: 2222 }]);
  });

  it('a negated pattern excludes the block', () => {
    const r = resolveHost(cfg, 'node99', env);
    expect(r.hostName).toBe('10.0.0.99');
    expect(r.port).toBe(2200);
    expect(r.user).toBe('fallback');
    expect(r.proxyJump).toEqual([]);
  });

  it('key=value syntax and comma ProxyJump chains', () => {
    const r = resolveHost(cfg, 'gpu-3', env);
    expect(r.user).toBe('gpu');
    expect(r.port).toBe(2022);
    expect(r.proxyJump).toEqual([{ host: 'a' }, { user: 'b', host: 'c', port: 23 }, { user: 'd', host: 'e', port: 24 }]);
  });

  it('command-line overrides win; unknown hosts fall to Host *', () => {
    const r = resolveHost(cfg, 'gpu-3', env, { user: 'root', port: 2999, proxyJump: 'none' });
    expect(r.user).toBe('root');
    expect(r.port).toBe(2999);
    expect(r.proxyJump).toEqual([]);
    const o = resolveHost(cfg, 'other', env);
    expect(o.hostName).toBe('other');
    expect(o.user).toBe('fallback');
  });

  it('with no config: alias, local user, port 22', () => {
    const r = resolveHost(parseSshConfig(''), 'h', env);
    expect(r).toMatchObject({ hostName: 'h', user: 'me', port: 22, identityFiles: [], proxyJump: [] });
  });

  it('Match all applies, unsupported Match is ignored with a note', () => {
    const c = parseSshConfig('Match exec "true"\n  User x\nMatch all\n  User y\n');
    const r = resolveHost(c, 'h', env);
    expect(r.user).toBe('y');
    expect(r.notes.join('\n')).toMatch(/Match exec.*not supported/);
  });

  it('ProxyCommand: kept as written (quotes too), %h %p %r %n expanded; ProxyJump first wins; unsafe names refused', () => {
    const c = parseSshConfig('Host gw-*\n  HostName %h.site\n  User u1\n  ProxyCommand ssh -W "%h:%p" -l %r bastion # %n %%\nHost *\n  ProxyJump j\n');
    const r = resolveHost(c, 'gw-1', env);
    expect(r.proxyCommand).toBe('ssh -W "gw-1.site:22" -l u1 bastion # gw-1 %');
    expect(r.proxyJump).toEqual([]);
    // A ProxyJump on the command line wins over the config's ProxyCommand.
    expect(resolveHost(c, 'gw-1', env, { proxyJump: 'other' }).proxyCommand).toBeUndefined();
    expect(resolveHost(c, 'plain', env).proxyJump).toEqual([{ host: 'j' }]);
    const bad = resolveHost(c, 'gw-$(touch x)', env);
    expect(bad.proxyCommand).toBeUndefined();
    expect(bad.notes.join('\n')).toMatch(/ProxyCommand not run/);
    expect(resolveHost(parseSshConfig('Host *\n  ProxyCommand none\n'), 'h', env).proxyCommand).toBeUndefined();
  });

  it('%u %d %p %n %% tokens', () => {
    const c = parseSshConfig('Host x\n  HostName real\n  IdentityFile %d/k_%u_%p_%n_%%\n');
    expect(resolveHost(c, 'x', env).identityFiles).toEqual(['/home/me/k_me_22_x_%']);
  });

  it('parseProxyJump forms and errors', () => {
    expect(parseProxyJump('host')).toEqual([{ host: 'host' }]);
    expect(parseProxyJump('u@[::1]:2222')).toEqual([{ user: 'u', host: '::1', port: 2222 }]);
    expect(parseProxyJump('none')).toEqual([]);
    expect(() => parseProxyJump('h:99999')).toThrow(/bad port/);
    expect(() => parseProxyJump('@h')).toThrow(/empty user/);
  });

  it('wildcards', () => {
    expect(wildcardMatch('node01', 'node??')).toBe(true);
    expect(wildcardMatch('node1', 'node??')).toBe(false);
    expect(wildcardMatch('a.b.c', '*.c')).toBe(true);
    expect(wildcardMatch('NODE', 'node')).toBe(true);
    expect(matchPatternList('x', ['*', '!x'])).toBe(false);
    expect(wildcardMatch('a'.repeat(200), '*a*a*a*a*a*a*b')).toBe(false);
  });
});
