/**
 * `ensign.config.json`: a team's settings for `ensign refs` (section `refs`) and `ensign lint`
 * (section `lint`), read from `--config FILE`, else from the scanned directory (refs) or the
 * working directory (lint) when the file is there. Options on the command line win.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES, type CodeReferenceOptions, type KeyCase } from '@ensign/lifecycle';
import { CliError, usageError } from '../errors.js';

/** The config file's name. */
export const CONFIG_FILE = 'ensign.config.json';

/** The `refs` section. */
export interface RefsConfig {
  aliases?: KeyCase[];
  patterns?: string[];
  literalAliases?: Record<string, string[]>;
  ignore?: string[];
  contextLines?: number;
  maxFileBytes?: number;
  gitignore?: boolean;
}

/** The whole file. */
export interface EnsignConfig {
  refs?: RefsConfig;
  lint?: unknown;
}

function invalid(path: string, message: string): CliError {
  return new CliError('invalid', `${path}: ${message}`, {
    hint: 'see "ensign.config.json" in the CLI README',
  });
}

/** Reads the config file (`explicit`, else `<dir>/ensign.config.json` if it exists); `{}` without one. */
export function readConfig(
  dir: string,
  explicit: string | undefined,
): { config: EnsignConfig; path?: string } {
  const path = explicit ?? join(dir, CONFIG_FILE);
  if (explicit === undefined && !existsSync(path)) return { config: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      'failed',
      `cannot read ${path}: ${code === 'ENOENT' ? 'it does not exist' : (error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid(path, 'must be a JSON object');
  return { config: parsed as EnsignConfig, path };
}

const strings = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** The `refs` section of the config for `root`, checked. */
export function loadRefsConfig(root: string, explicit: string | undefined): RefsConfig {
  const { config, path = CONFIG_FILE } = readConfig(root, explicit);
  const refs = config.refs ?? {};
  if (refs === null || typeof refs !== 'object' || Array.isArray(refs))
    throw invalid(path, '"refs" must be an object');
  for (const field of Object.keys(refs))
    if (
      ![
        'aliases',
        'patterns',
        'literalAliases',
        'ignore',
        'contextLines',
        'maxFileBytes',
        'gitignore',
      ].includes(field)
    )
      throw invalid(path, `refs: unknown field "${field}"`);
  if (
    refs.aliases !== undefined &&
    !(strings(refs.aliases) && refs.aliases.every((a) => (CASES as readonly string[]).includes(a)))
  )
    throw invalid(path, `refs.aliases must list cases of ${CASES.join(', ')}`);
  if (refs.patterns !== undefined && !strings(refs.patterns))
    throw invalid(path, 'refs.patterns must be a list of strings');
  if (refs.ignore !== undefined && !strings(refs.ignore))
    throw invalid(path, 'refs.ignore must be a list of strings');
  if (
    refs.literalAliases !== undefined &&
    (typeof refs.literalAliases !== 'object' || !Object.values(refs.literalAliases).every(strings))
  )
    throw invalid(path, 'refs.literalAliases must map flag keys to lists of names');
  for (const field of ['contextLines', 'maxFileBytes'] as const) {
    const value = refs[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0))
      throw invalid(path, `refs.${field} must be a whole number`);
  }
  if (refs.gitignore !== undefined && typeof refs.gitignore !== 'boolean')
    throw invalid(path, 'refs.gitignore must be true or false');
  return refs;
}

/** What the command line adds to the config. */
export interface RefsCommandLine {
  alias?: string[];
  pattern?: string[];
  ignore?: string[];
  context?: number;
  gitignore?: boolean;
}

/** Scan options from the config and the command line (which wins, and adds to lists). */
export function scanOptionsOf(
  config: RefsConfig,
  cli: RefsCommandLine,
): Omit<CodeReferenceOptions, 'flagKeys'> {
  for (const alias of cli.alias ?? [])
    if (!(CASES as readonly string[]).includes(alias))
      throw usageError(`--alias must be one of ${CASES.join(', ')}, got "${alias}"`);
  const aliases = [...new Set([...(config.aliases ?? []), ...((cli.alias ?? []) as KeyCase[])])];
  const patterns = [...(config.patterns ?? []), ...(cli.pattern ?? [])];
  const ignore = [...(config.ignore ?? []), ...(cli.ignore ?? [])];
  return {
    aliases,
    patterns,
    ignore,
    ...(config.literalAliases !== undefined && { literalAliases: config.literalAliases }),
    ...((cli.context ?? config.contextLines) !== undefined && {
      contextLines: cli.context ?? config.contextLines!,
    }),
    ...(config.maxFileBytes !== undefined && { maxFileBytes: config.maxFileBytes }),
    // commander's --no-gitignore sets false; its default true defers to the config.
    gitignore: cli.gitignore === false ? false : (config.gitignore ?? true),
  };
}
