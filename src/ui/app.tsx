import { Box } from 'ink';
import { useMemo, useReducer } from 'react';
import type { ReplayControls } from '../session/controls.ts';
import type { SessionStore } from '../session/store.ts';
import { chartModel } from './chart-model.ts';
import { Board, boardLineCount } from './components/board.tsx';
import { Chart } from './components/chart.tsx';
import { FlagsPanel } from './components/flags-panel.tsx';
import { Footer } from './components/footer.tsx';
import { Header } from './components/header.tsx';
import { helpPageCount, HelpOverlay } from './components/help-overlay.tsx';
import { filterLines, LogPane } from './components/log-pane.tsx';
import { NodeTable } from './components/node-table.tsx';
import { ReplayBar } from './components/replay-bar.tsx';
import { RunList } from './components/run-list.tsx';
import { Waiting } from './components/waiting.tsx';
import { useSession } from './hooks/use-session.ts';
import { useTerminalSize } from './hooks/use-terminal-size.ts';
import { computeLayout } from './layout.ts';
import { coverage, coverageText, currentRun, flagRows, flagTimeLabel, ibAlert, nodesOf, problemRows, runItems, sortNodes, sourceRows } from './selectors.ts';
import { ProblemsView } from './components/problems-view.tsx';
import { fmtOffset } from './format.ts';
import { effectiveSelection, initialUiState, uiReducer, type Pane } from './state/ui-reducer.ts';
import { makeTheme, ThemeContext } from './theme.ts';
import { useKeymap } from './use-keymap.ts';

export interface AppProps {
  store: SessionStore;
  mode: 'live' | 'replay';
  /** Replay keys drive these (replay mode only). */
  controls?: ReplayControls;
  /** Called on `q` / Ctrl-C; the owner unmounts. */
  onQuit: () => void;
  /** No colours (runTui also honours NO_COLOR). @default false */
  noColor?: boolean;
}

/** The whole screen: reads the store's snapshots, keeps view state in a reducer, lays out panels. */
export function App({ store, mode, controls, onQuit, noColor = false }: AppProps) {
  const [state, dispatch] = useReducer(uiReducer, initialUiState);
  const snapshot = useSession(store, state.frozen);
  const { columns, rows } = useTerminalSize();
  const theme = useMemo(() => makeTheme(noColor), [noColor]);

  const run = currentRun(snapshot, state.runKey);
  // Rows with numbers (selectable); under them, pinned so that a long table never hides them, the
  // named sources without a line yet (their reason) and the globs and directories whose files report.
  const { nodes, pinned } = useMemo(() => {
    const all = sortNodes(nodesOf(snapshot, run), state.sort);
    return { nodes: all.filter((n) => n.run !== null), pinned: [...all.filter((n) => n.run === null), ...sourceRows(snapshot)] };
  }, [snapshot, run, state.sort]);
  const rowKeys = useMemo(() => nodes.map((n) => n.source), [nodes]);
  const selected = effectiveSelection(state, rowKeys);
  const detailKey = state.focused !== null && rowKeys.includes(state.focused) ? state.focused : selected;
  const detail = nodes.find((n) => n.source === detailKey);
  const allFlags = useMemo(() => flagRows(snapshot), [snapshot]);
  const runs = useMemo(() => runItems(snapshot, run), [snapshot, run]);
  const problems = useMemo(() => problemRows(snapshot), [snapshot]);
  const showRuns = mode === 'replay' || runs.length > 1;
  // Keyed on the snapshot version, so a paused display keeps its log lines too.
  const logLines = useMemo(() => (detail ? store.tail(detail.source) : []), [store, detail?.source, snapshot.version]);
  const shownLog = useMemo(() => filterLines(logLines, state.filter), [logLines, state.filter]);

  // The board by default once the session holds more than one configuration (a sweep) or a launch plan; `g` flips it.
  const boardShown = state.board ?? ((snapshot.groups?.length ?? 0) > 1 || snapshot.plan !== undefined);
  // Flags follow the run on screen; the board lists every run's, each with its run.
  const flagsRun = boardShown ? null : (run?.key ?? null);
  const flags = useMemo(() => (flagsRun === null ? allFlags : allFlags.filter((f) => f.run === flagsRun)), [allFlags, flagsRun]);
  const boardCount = useMemo(() => (boardShown ? boardLineCount(snapshot) : 0), [boardShown, snapshot]);

  const replayBar = mode === 'replay' && snapshot.replay;
  // Before the first line: a short account of what is known, not empty panels.
  const waiting = snapshot.nodes.length === 0 && snapshot.runs.length === 0;
  const headerLines = (run ? 2 + (ibAlert(run) ? 1 : 0) : 1) + (replayBar ? 1 : 0) + (coverageText(coverage(snapshot)) ? 1 : 0);
  const layout = computeLayout({
    rows,
    headerLines,
    nodeCount: Math.max(1, nodes.length + pinned.length),
    pinnedCount: pinned.length,
    flagCount: flags.length,
    runCount: showRuns ? runs.length : 0,
    logForced: state.focused !== null || state.prompt !== null || state.filter !== '' || state.search !== '' || state.pane === 'log',
    logActive: state.pane === 'log',
    boardCount,
  });
  const panes: Pane[] = ['nodes'];
  if (showRuns && layout.runRows > 0) panes.push('runs');
  if (layout.logRows > 0 && !waiting) panes.push('log');
  // A panel that went away (resize, fewer runs) gives the cursor back to the nodes.
  const pane = panes.includes(state.pane) ? state.pane : 'nodes';
  const runIndex = Math.max(0, runs.findIndex((r) => r.current));
  const liveRunKeys = useMemo(() => runs.map((r) => r.key), [runs]);

  const keyState = useMemo(() => (pane === state.pane ? state : { ...state, pane }), [state, pane]);
  useKeymap({
    state: keyState,
    dispatch,
    rowKeys,
    runKeys: liveRunKeys,
    currentRun: run?.key ?? null,
    runCount: runs.length,
    runIndex,
    panes,
    logLines: shownLog,
    logRows: layout.logRows,
    helpPages: helpPageCount(mode, rows),
    snapshot,
    boardShown,
    mode,
    ...(controls ? { controls } : {}),
    onQuit,
  });
  const chart = useMemo(
    () =>
      chartModel({
        run: run?.series ?? [],
        node: detail && run && detail.source !== run.source ? detail.series : null,
        width: columns,
        rows: layout.chartRows,
        showWarmup: state.showWarmup,
      }),
    [run, detail, columns, layout.chartRows, state.showWarmup],
  );

  return (
    <ThemeContext.Provider value={theme}>
      {state.help ? (
        <HelpOverlay mode={mode} width={columns} rows={rows} page={state.helpPage} />
      ) : state.problems ? (
        <ProblemsView rows={problems} sources={snapshot.sources ?? []} header={coverageText(coverage(snapshot))} timeOf={(t) => (t === null ? '—' : fmtOffset(t, snapshot.startedAt))} maxRows={rows - 1} width={columns} />
      ) : (
        <Box flexDirection="column" width={columns}>
          <Header snapshot={snapshot} run={run} paused={state.frozen !== null} width={columns} />
          {replayBar ? <ReplayBar replay={snapshot.replay!} runDone={run?.phase === 'done'} width={columns} /> : null}
          {!waiting && boardShown && layout.boardRows > 0 ? <Board snapshot={snapshot} current={run} maxRows={layout.boardRows} width={columns} /> : null}
          {waiting ? <Waiting snapshot={snapshot} mode={mode} maxRows={Math.max(3, rows - 2 - headerLines)} width={columns} /> : null}
          {waiting ? null : <NodeTable rows={nodes} pinned={pinned} selected={selected} focused={state.focused} sort={state.sort} maxRows={layout.nodeRows} width={columns} />}
          {!waiting && !boardShown && layout.chartRows > 0 ? <Chart model={chart} nodeLabel={chart.empty || !detail || detail.source === run?.source ? null : detail.node} showWarmup={state.showWarmup} width={columns} /> : null}
          {layout.flagRows > 0 ? <FlagsPanel rows={allFlags} run={flagsRun} maxRows={layout.flagRows} timeOf={(f) => flagTimeLabel(snapshot, f, run)} width={columns} /> : null}
          {showRuns && layout.runRows > 0 ? (
            <RunList items={runs} maxRows={layout.runRows} width={columns} hint="n/N next/previous · r pick" cursor={pane === 'runs' ? Math.min(state.runCursor, runs.length - 1) : null} />
          ) : null}
          {!waiting && layout.logRows > 0 ? (
            <LogPane
              file={detail?.source ?? null}
              lines={logLines}
              shown={shownLog}
              filter={state.filter}
              search={state.search}
              match={state.match}
              anchor={state.logAnchor}
              active={pane === 'log'}
              maxRows={layout.logRows}
              width={columns}
            />
          ) : null}
          <Footer prompt={state.prompt} promptKind={state.promptKind} sort={state.sort} mode={mode} totals={snapshot.totals} problems={problems.length} />
        </Box>
      )}
    </ThemeContext.Provider>
  );
}
