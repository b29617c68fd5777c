/**
 * Reading recipes: `launch RECIPE` takes a path to a YAML file, or a name resolved in the
 * shipped `launchers/` directory (`oneflow-resnet50` → launchers/oneflow-resnet50.yaml).
 * Validation is recipe-schema.ts's; this module only reads and parses.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_ROOT } from '../shared/package-root.ts';
import { RecipeError, validateRecipe, type Recipe } from './recipe-schema.ts';

export { RecipeError, type Recipe } from './recipe-schema.ts';

/** The shipped recipes' directory (`<package>/launchers`). */
export const LAUNCHERS_DIR = join(PACKAGE_ROOT, 'launchers') + '/';

/** Recipes larger than this are refused (a recipe is a few KiB). */
const MAX_RECIPE_BYTES = 1 << 20;

/** Parse and validate recipe text. */
export function parseRecipe(text: string, source: string): Recipe {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    throw new RecipeError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const stem = basename(source).replace(/\.ya?ml$/i, '');
  return validateRecipe(doc, source, /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(stem) ? stem : undefined);
}

/** Where RECIPE points: an existing path, else `<launchersDir>/<name>.yaml`. */
export function resolveRecipePath(recipe: string, launchersDir = LAUNCHERS_DIR): string | null {
  if (existsSync(recipe)) return recipe;
  if (/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(recipe)) {
    for (const ext of ['', '.yaml', '.yml']) {
      const p = join(launchersDir, recipe + ext);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

/** The names of the shipped recipes. */
export async function listRecipes(launchersDir = LAUNCHERS_DIR): Promise<string[]> {
  try {
    return (await readdir(launchersDir)).filter((f) => /\.ya?ml$/i.test(f)).map((f) => f.replace(/\.ya?ml$/i, '')).sort();
  } catch {
    return [];
  }
}

export interface LoadedRecipe {
  recipe: Recipe;
  path: string;
  /** The file's text (kept in the archive next to the logs). */
  text: string;
}

/** Load RECIPE (a path or a shipped name). Throws RecipeError with a message for the user. */
export async function loadRecipe(recipe: string, launchersDir = LAUNCHERS_DIR): Promise<LoadedRecipe> {
  const path = resolveRecipePath(recipe, launchersDir);
  if (!path) {
    const names = await listRecipes(launchersDir);
    throw new RecipeError(`recipe "${recipe}" not found: not a file, and not a shipped recipe${names.length ? ` (shipped: ${names.join(', ')})` : ''}`);
  }
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new RecipeError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (buf.length > MAX_RECIPE_BYTES) throw new RecipeError(`${path}: ${buf.length} bytes is too large for a recipe`);
  const text = buf.toString('utf8');
  return { recipe: parseRecipe(text, path), path, text };
}
