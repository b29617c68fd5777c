/**
 * Loads the Ink screen with React's production build unless NODE_ENV says otherwise. React and
 * its reconciler pick their build from NODE_ENV when first loaded; with it unset they load the
 * development build, which (React 19.2) records a performance-track entry with a prop diff for
 * every component render. Node keeps those entries in its global performance timeline, so on 5,000
 * idle files the TUI's heap grew by hundreds of MB of "– last_line_age_s" diff strings and
 * PerformanceMeasure objects, and a large share of its CPU went to computing them.
 * NODE_ENV is restored once the modules are loaded, so that processes the tool starts (ssh,
 * ProxyCommand, srun and the jobs it exports its environment to) do not inherit it.
 */
export async function loadTui(): Promise<typeof import('./render.tsx')> {
  const unset = process.env['NODE_ENV'] === undefined;
  if (unset) process.env['NODE_ENV'] = 'production';
  try {
    return await import('./render.tsx');
  } finally {
    if (unset) delete process.env['NODE_ENV'];
  }
}
