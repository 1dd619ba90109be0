// Loads the configuration: the package's config/config.yaml, then the file given by
// --config-path, then environment variables QDRANT__SECTION__KEY and RINGVEC__SECTION__KEY (in
// that order; later wins). Unknown keys warn; invalid values stop start-up with one message per
// problem naming the key, the value and what is allowed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../common/package-root.js';
import { settingsSchema, type Settings } from '../common/settings.js';

type Plain = Record<string, unknown>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  settings: Settings;
  /** Keys present in the inputs that ringvec does not know (ignored). */
  unknownKeys: string[];
  /** Where each layer came from, for the start-up log. */
  sources: string[];
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? merge(current, value) : value;
  }
  return out;
}

function readYamlFile(path: string): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read config file ${path}: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`config file ${path} is not valid YAML: ${(error as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlain(parsed)) throw new ConfigError([`config file ${path} must hold a YAML mapping`]);
  return parsed;
}

/** Environment overrides: PREFIX__A__B=value → {a: {b: value}}; the value is a YAML scalar. */
function environmentLayer(env: NodeJS.ProcessEnv, prefix: string): Plain {
  let layer: Plain = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    const path = name.slice(prefix.length).toLowerCase().split('__').filter(Boolean);
    if (path.length === 0) continue;
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    if (value === undefined) value = null;
    let nested: unknown = value;
    for (let i = path.length - 1; i >= 0; i--) nested = { [path[i]!]: nested };
    layer = merge(layer, nested as Plain);
  }
  return layer;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    const def = (current as unknown as { def: Record<string, unknown> }).def;
    if (def.innerType) current = def.innerType as z.ZodType;
    else if (def.type === 'pipe' && def.in) current = def.in as z.ZodType;
    else return current;
  }
}

function collectUnknownKeys(schema: z.ZodType, value: unknown, path: string, out: string[]): void {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject) || !isPlain(value)) return;
  const shape = inner.shape as Record<string, z.ZodType>;
  const loose = (inner.def as unknown as { catchall?: unknown }).catchall !== undefined;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = shape[key];
    const childPath = path ? `${path}.${key}` : key;
    if (childSchema === undefined) {
      if (!loose) out.push(childPath);
    } else {
      collectUnknownKeys(childSchema, child, childPath, out);
    }
  }
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (!isPlain(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export interface LoadConfigOptions {
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const defaultsPath = join(packageRoot(), 'config', 'config.yaml');
  const sources = [defaultsPath];
  let raw = readYamlFile(defaultsPath);
  if (options.configPath !== undefined) {
    raw = merge(raw, readYamlFile(options.configPath));
    sources.push(options.configPath);
  }
  for (const prefix of ['QDRANT__', 'RINGVEC__']) {
    const layer = environmentLayer(env, prefix);
    if (Object.keys(layer).length > 0) {
      raw = merge(raw, layer);
      sources.push(`environment ${prefix}*`);
    }
  }
  const unknownKeys: string[] = [];
  collectUnknownKeys(settingsSchema, raw, '', unknownKeys);
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.') || '(root)';
        const value = valueAt(raw, issue.path);
        const shown = value === undefined ? '(missing)' : JSON.stringify(value);
        return `${key} = ${shown}: ${issue.message}`;
      }),
    );
  }
  return { settings: parsed.data, unknownKeys, sources };
}
