/**
 * The JSON schemas `ensign --json` output is documented by (packages/cli/schemas), compiled with
 * Ajv (draft 2020-12) so tests validate real output against exactly what users are given.
 * Ajv is reached through the server's fastify (it is already in the workspace there); @ensign/cli
 * would list it as a devDependency of its own.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const schemaDir = fileURLToPath(new URL('../../schemas', import.meta.url));

interface Validator {
  (value: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
interface AjvInstance {
  addSchema(schema: object): AjvInstance;
  getSchema(id: string): Validator | undefined;
}
type AjvConstructor = new (options: object) => AjvInstance;

function loadAjv(): AjvConstructor {
  const fromServer = createRequire(fileURLToPath(new URL('../../../server/package.json', import.meta.url)));
  const fromFastify = createRequire(fromServer.resolve('fastify'));
  const fromCompiler = createRequire(fromFastify.resolve('@fastify/ajv-compiler'));
  const module = fromCompiler('ajv/dist/2020') as { default: AjvConstructor };
  return module.default;
}

const Ajv = loadAjv();
const ajv = new Ajv({ allErrors: true, strict: false });
/** Every schema file, by file name. */
export const SCHEMA_FILES = readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'));
for (const file of SCHEMA_FILES)
  ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as object);

/** Validates `value` against `schemas/<name>.schema.json`; throws naming every violation. */
export function assertSchema(name: string, value: unknown): void {
  const validate = ajv.getSchema(`https://ensign.dev/schemas/cli/${name}.schema.json`);
  if (!validate) throw new Error(`no schema ${name}.schema.json`);
  if (!validate(value)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(
      `output does not match ${name}.schema.json: ${errors}\n${JSON.stringify(value, null, 2).slice(0, 2000)}`,
    );
  }
}
