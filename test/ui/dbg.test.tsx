import { render } from 'ink-testing-library';
import { Text, useInput } from 'ink';
import { useState } from 'react';
import { it } from 'vitest';
function A() { const [s, set] = useState<string[]>([]); useInput((i, k) => set((p) => [...p, JSON.stringify(i) + (k.return ? 'R' : '') + (k.delete ? 'D' : '')])); return <Text>{s.join('|')}</Text>; }
it('dbg', async () => {
  const r = render(<A />);
  await new Promise((res) => setTimeout(res, 20));
  r.stdin.write('/'); r.stdin.write('iter 16'); r.stdin.write('x'); r.stdin.write('\u007f'); r.stdin.write('\r');
  await new Promise((res) => setTimeout(res, 50));
  console.log(r.lastFrame());
});
