/**
 * The `sweep` section of a recipe: either zipped lists (nodes × gpus_per_node, batch sizes,
 * precisions, repeats) or explicit `cases` (GPT layouts), validated into a RecipeSweep. Errors go
 * through the caller's `fail`. Pure: no IO.
 */
import { isObj, LABEL, typeName, type Fail, type FieldChecks, type Obj } from './recipe-fields.ts';
import type { ParamValue, RecipeCase, RecipeSweep } from './recipe-types.ts';

const SWEEP_KEYS = ['nodes', 'gpus_per_node', 'batch_size', 'precision', 'repeats', 'first_repeat', 'cases'];
const CASE_KEYS = ['name', 'nodes', 'gpus_per_node', 'batch_size', 'precision', 'params'];

/** Validate `doc.sweep`; `params` are the recipe's declared parameters (a case may only set those). */
export function validateSweep(raw: unknown, params: Readonly<Record<string, ParamValue>>, fail: Fail, check: FieldChecks): RecipeSweep {
  const { str, posInt, intList, strList, paramMap } = check;
  if (raw === undefined) fail('sweep', 'is required (nodes, gpus_per_node, batch_size, repeats — or cases)');
  if (!isObj(raw)) fail('sweep', `expected a mapping, got ${typeName(raw)}`);
  const sw = raw as Obj;
  for (const k of Object.keys(sw)) if (!SWEEP_KEYS.includes(k)) fail(`sweep.${k}`, `unknown field (expected one of ${SWEEP_KEYS.join(', ')})`);
  const PREC = /^[A-Za-z0-9]+$/;
  const precision = sw.precision !== undefined ? strList(sw.precision, 'sweep.precision', PREC, 'a precision label (letters and digits, e.g. fp32, amp)') : ['fp32'];
  const repeats = sw.repeats !== undefined ? posInt(sw.repeats, 'sweep.repeats', 1000) : 1;
  let firstRepeat = 0;
  if (sw.first_repeat !== undefined) {
    const v = sw.first_repeat;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1_000_000) fail('sweep.first_repeat', `expected a whole number ≥ 0, got ${typeName(v)}`);
    firstRepeat = v as number;
  }
  let nodes: number[] = [];
  let gpus: number[] = [];
  let batch: number[] = [];
  let cases: RecipeCase[] | null = null;
  if (sw.cases !== undefined) {
    for (const k of ['nodes', 'gpus_per_node', 'batch_size']) {
      if (sw[k] !== undefined) fail(`sweep.${k}`, 'cannot be used together with sweep.cases (give it in each case)');
    }
    if (!Array.isArray(sw.cases) || sw.cases.length === 0) fail('sweep.cases', `expected a non-empty list of cases, got ${typeName(sw.cases)}`);
    const seenNames = new Set<string>();
    cases = (sw.cases as unknown[]).map((rawCase, i) => {
      const at = `sweep.cases[${i}]`;
      if (!isObj(rawCase)) return fail(at, `expected a mapping { nodes, gpus_per_node, batch_size, … }, got ${typeName(rawCase)}`);
      for (const k of Object.keys(rawCase)) if (!CASE_KEYS.includes(k)) fail(`${at}.${k}`, `unknown field (expected one of ${CASE_KEYS.join(', ')})`);
      for (const k of ['nodes', 'gpus_per_node', 'batch_size']) if (rawCase[k] === undefined) fail(`${at}.${k}`, 'is required');
      const cname = rawCase.name !== undefined ? str(rawCase.name, `${at}.name`, { pattern: LABEL, what: 'a name made of letters, digits, . _ + -' }) : undefined;
      if (cname !== undefined) {
        if (seenNames.has(cname)) fail(`${at}.name`, `"${cname}" is used by another case`);
        seenNames.add(cname);
      }
      const cparams = paramMap(rawCase.params, `${at}.params`);
      for (const k of Object.keys(cparams)) if (!(k in params)) fail(`${at}.params.${k}`, `unknown parameter (declare it under params first: ${Object.keys(params).join(', ') || 'none declared'})`);
      return {
        ...(cname !== undefined ? { name: cname } : {}),
        nodes: posInt(rawCase.nodes, `${at}.nodes`, 100_000),
        gpus_per_node: posInt(rawCase.gpus_per_node, `${at}.gpus_per_node`, 1024),
        batch_size: posInt(rawCase.batch_size, `${at}.batch_size`),
        ...(rawCase.precision !== undefined ? { precision: str(rawCase.precision, `${at}.precision`, { pattern: PREC, what: 'a precision label (letters and digits)' }) } : {}),
        params: cparams,
      };
    });
  } else {
    if (sw.nodes === undefined) fail('sweep.nodes', 'is required (e.g. [1, 1, 2, 4]) unless sweep.cases lists the cases');
    if (sw.gpus_per_node === undefined) fail('sweep.gpus_per_node', 'is required (e.g. [1, 8, 8, 8], zipped with sweep.nodes)');
    if (sw.batch_size === undefined) fail('sweep.batch_size', 'is required (e.g. 128 or [96, 64])');
    nodes = intList(sw.nodes, 'sweep.nodes', 100_000);
    gpus = intList(sw.gpus_per_node, 'sweep.gpus_per_node', 1024);
    if (gpus.length === 1 && nodes.length > 1) gpus = nodes.map(() => gpus[0]!);
    else if (nodes.length === 1 && gpus.length > 1) nodes = gpus.map(() => nodes[0]!);
    if (nodes.length !== gpus.length) {
      fail('sweep.gpus_per_node', `has ${gpus.length} values but sweep.nodes has ${nodes.length}: they are zipped into (nodes, gpus) pairs, so give both the same length (or one value)`);
    }
    batch = intList(sw.batch_size, 'sweep.batch_size', 1_000_000);
  }

  return { nodes, gpus_per_node: gpus, batch_size: batch, precision, repeats, first_repeat: firstRepeat, cases };
}
