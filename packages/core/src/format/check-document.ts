/**
 * The rules of flagd's flag-definition schema (https://flagd.dev/schema/v0/flags.json), written out
 * so that every problem is reported with its JSON Pointer and flag key, plus the rules the schema
 * cannot express: `defaultVariant` names a variant, and size limits. Targeting rules are checked
 * by the compiler (unknown operators, `$ref` targets, depth), which knows every operator we run.
 */
import { pointerSegment } from '../logic/nodes.js';
import type { ValidationIssue } from '../types.js';
import { depthExceeds, describeValue, isPlainObject } from './json.js';
import { MAX_FLAG_KEY_LENGTH, MAX_VALUE_DEPTH } from './limits.js';

const hasOwn = Object.prototype.hasOwnProperty;
const KNOWN_FLAG_PROPERTIES = new Set(['state', 'variants', 'defaultVariant', 'targeting', 'metadata']);

/** The OpenFeature type of a flag's variants. */
export type VariantType = 'boolean' | 'string' | 'number' | 'object';

function variantType(value: unknown): VariantType | undefined {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'number':
      return Number.isFinite(value) ? 'number' : undefined;
    case 'object':
      return isPlainObject(value) ? 'object' : undefined;
    default:
      return undefined;
  }
}

/** Checks set-level parts: the document shape, `$evaluators`, `metadata`. */
export function checkDocument(doc: unknown, issues: ValidationIssue[]): doc is Record<string, unknown> {
  if (!isPlainObject(doc)) {
    issues.push({ path: '', message: 'a flag set must be a JSON object with a "flags" object' });
    return false;
  }
  if (!hasOwn.call(doc, 'flags')) {
    issues.push({ path: '', message: 'missing required property "flags"' });
  } else if (!isPlainObject(doc.flags)) {
    issues.push({ path: '/flags', message: '"flags" must be an object of flag key → flag' });
  }
  if (hasOwn.call(doc, '$evaluators') && !isPlainObject(doc.$evaluators)) {
    issues.push({ path: '/$evaluators', message: '"$evaluators" must be an object of name → rule' });
  }
  checkMetadata(doc.metadata, '/metadata', undefined, issues);
  return isPlainObject(doc.flags);
}

/** flagd metadata: an object whose values are strings, numbers or booleans. */
export function checkMetadata(
  metadata: unknown,
  path: string,
  flagKey: string | undefined,
  issues: ValidationIssue[],
): void {
  if (metadata === undefined) return;
  if (!isPlainObject(metadata)) {
    issues.push({ path, flagKey, message: 'metadata must be an object' });
    return;
  }
  for (const [key, value] of Object.entries(metadata)) {
    const type = typeof value;
    if (type !== 'string' && type !== 'boolean' && !(type === 'number' && Number.isFinite(value))) {
      issues.push({
        path: `${path}/${pointerSegment(key)}`,
        flagKey,
        message: 'metadata values must be strings, numbers or booleans',
      });
    }
  }
}

/**
 * Checks one flag except its targeting. Returns the variants' common type when the variants are
 * usable (even if other parts have problems).
 */
export function checkFlag(key: string, flag: unknown, issues: ValidationIssue[]): VariantType | undefined {
  const path = `/flags/${pointerSegment(key)}`;
  const report = (where: string, message: string) =>
    issues.push({ path: path + where, flagKey: key, message });
  if (key.length === 0) report('', 'a flag key must not be empty');
  if (key.length > MAX_FLAG_KEY_LENGTH)
    report('', `a flag key must be at most ${MAX_FLAG_KEY_LENGTH} characters`);
  if (!isPlainObject(flag)) {
    report('', 'a flag must be an object with "state" and "variants"');
    return undefined;
  }
  if (!hasOwn.call(flag, 'state')) report('', 'missing required property "state"');
  else if (flag.state !== 'ENABLED' && flag.state !== 'DISABLED') {
    report('/state', `"state" must be "ENABLED" or "DISABLED", not ${describeValue(flag.state)}`);
  }

  let type: VariantType | undefined;
  const variants = flag.variants;
  if (!hasOwn.call(flag, 'variants')) report('', 'missing required property "variants"');
  else if (!isPlainObject(variants)) report('/variants', '"variants" must be an object of name → value');
  else {
    const names = Object.keys(variants);
    if (names.length === 0) report('/variants', '"variants" must have at least one variant');
    for (const name of names) {
      const where = `/variants/${pointerSegment(name)}`;
      const value = variants[name];
      const valueType = variantType(value);
      if (name.length === 0) report(where, 'a variant name must not be empty');
      if (valueType === undefined) {
        report(where, 'a variant value must be a boolean, a string, a finite number or an object');
      } else if (type === undefined) {
        type = valueType;
      } else if (valueType !== type) {
        report(where, `all variants must have one type: this one is ${valueType}, an earlier one is ${type}`);
      }
      if (valueType === 'object' && depthExceeds(value, MAX_VALUE_DEPTH)) {
        report(where, `a variant value is nested too deeply (more than ${MAX_VALUE_DEPTH} levels)`);
      }
    }
  }

  if (hasOwn.call(flag, 'defaultVariant')) {
    const dv = flag.defaultVariant;
    if (dv !== null && typeof dv !== 'string') {
      report('/defaultVariant', '"defaultVariant" must be a variant name (a string) or null');
    } else if (typeof dv === 'string' && isPlainObject(variants) && !hasOwn.call(variants, dv)) {
      const known = Object.keys(variants)
        .slice(0, 10)
        .map((v) => JSON.stringify(v))
        .join(', ');
      report(
        '/defaultVariant',
        `"defaultVariant" names "${dv}", which is not a variant (variants: ${known})`,
      );
    }
  }
  if (hasOwn.call(flag, 'targeting') && !isPlainObject(flag.targeting)) {
    report('/targeting', '"targeting" must be a JsonLogic rule (an object)');
  }
  checkMetadata(flag.metadata, `${path}/metadata`, key, issues);
  // flagd ignores properties it does not know; bound them so they cannot exhaust the stack later.
  for (const [name, value] of Object.entries(flag)) {
    if (!KNOWN_FLAG_PROPERTIES.has(name) && depthExceeds(value, MAX_VALUE_DEPTH)) {
      report(
        `/${pointerSegment(name)}`,
        `"${name}" is nested too deeply (more than ${MAX_VALUE_DEPTH} levels)`,
      );
    }
  }
  return type;
}
