import { describe, expect, it } from 'vitest';
import { ClusterFileError, clusterTargets, parseClusterFile } from '../../../src/sources/ssh/cluster-file.ts';

describe('cluster file', () => {
  it('parses defaults, hostlists and per-node settings', () => {
    const spec = parseClusterFile(`
user: bench
port: 2222
identity_file: ~/.ssh/id_cluster
jump: me@bastion:2200
poll_ms: 250
nodes:
  - host: node[01-03]
    logs: ["/data/logs/rank*.log", /data/logs/driver.log]
  - host: 10.0.0.9
    name: head
    user: root
    port: 22
    logs: /data/train log;1.txt
`);
    expect(spec.nodes.map((n) => n.node)).toEqual(['node01', 'node02', 'node03', 'head']);
    expect(spec.pollMs).toBe(250);
    expect(spec.jump).toBe('me@bastion:2200');
    expect(spec.identityFiles).toEqual(['~/.ssh/id_cluster']);
    const targets = clusterTargets(spec);
    expect(targets[0]).toEqual({ node: 'node01', host: 'node01', user: 'bench', port: 2222, paths: ['/data/logs/rank*.log', '/data/logs/driver.log'] });
    expect(targets[3]).toEqual({ node: 'head', host: '10.0.0.9', user: 'root', port: 22, paths: ['/data/train log;1.txt'] });
  });

  it('a name hostlist must match the host hostlist', () => {
    const spec = parseClusterFile('nodes:\n  - host: n[1-2]\n    name: w[1-2]\n    logs: [/x]\n');
    expect(spec.nodes.map((n) => [n.node, n.host])).toEqual([
      ['w1', 'n1'],
      ['w2', 'n2'],
    ]);
    expect(() => parseClusterFile('nodes:\n  - host: n[1-2]\n    name: w\n    logs: [/x]\n')).toThrow(/nodes\[0\]\.name: expands to 1 names/);
  });

  const bad: Array<[string, RegExp]> = [
    ['', /must be a mapping/],
    ['[1,2]', /must be a mapping/],
    ['user: x\n', /nodes: is required/],
    ['nodes: []\n', /nodes: must be a non-empty list/],
    ['nodes: [ { logs: [/x] } ]\n', /nodes\[0\]\.host: is required/],
    ['nodes: [ { host: a } ]\n', /nodes\[0\]\.logs: is required/],
    ['nodes: [ { host: a, logs: [] } ]\n', /nodes\[0\]\.logs: must be a non-empty list/],
    ['nodes: [ { host: a, logs: [3] } ]\n', /nodes\[0\]\.logs\[0\]: must be a non-empty path/],
    ['nodes: [ { host: a, logs: [/x/] } ]\n', /nodes\[0\]\.logs\[0\]: .*is a directory/],
    ['nodes: [ { host: a, logs: [/x], port: 70000 } ]\n', /nodes\[0\]\.port: must be a port number/],
    ['nodes: [ { host: a, logs: [/x], port: "22" } ]\n', /nodes\[0\]\.port: must be a port number/],
    ['nodes: [ { host: "a b", logs: [/x] } ]\n', /nodes\[0\]\.host: "a b" is not a valid host name/],
    ['nodes: [ { host: "-oProxyCommand=x", logs: [/x] } ]\n', /nodes\[0\]\.host/],
    ['nodes: [ { host: "n[3-1]", logs: [/x] } ]\n', /nodes\[0\]\.host: .*backwards/],
    ['nodes: [ { host: a, logs: [/x], user: "a b" } ]\n', /nodes\[0\]\.user: "a b" is not a valid user name/],
    ['nodes: [ { host: a, log: [/x] } ]\n', /nodes\[0\]\.log: unknown field/],
    ['nodez: []\n', /nodez: unknown field/],
    ['port: 0\nnodes: [ { host: a, logs: [/x] } ]\n', /^cluster\.yaml: port: must be a port number/],
    ['poll_ms: 1\nnodes: [ { host: a, logs: [/x] } ]\n', /poll_ms: must be an integer/],
    ['jump: "u@h:abc"\nnodes: [ { host: a, logs: [/x] } ]\n', /jump: .*bad port/],
    ['identity_file: []\nnodes: [ { host: a, logs: [/x] } ]\n', /identity_file: must not be an empty list/],
    ['nodes: [ { host: a, logs: [/x] }, { host: "a", logs: [/y] } ]\n', /nodes\[1\]\.host: node "a" is already defined by nodes\[0\]/],
    ['nodes: [ { host: a, logs: [/x] }\n', /not valid YAML/],
    ['nodes:\n  - host: a\n    host: b\n    logs: [/x]\n', /not valid YAML/],
  ];
  it.each(bad)('rejects %j', (text, re) => {
    let err: unknown;
    try {
      parseClusterFile(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterFileError);
    expect((err as Error).message).toMatch(re);
  });
});
