/**
 * Where each value of a JSON text is: a small parser that records the line and column of every
 * value by its JSON Pointer, so a validator's problem (reported by pointer) is shown at its line
 * in the editor; and a syntax error with its own line and column.
 */

/** A place in the text (1-based line and column). */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** The parsed value and where everything is, or where the syntax fails. */
export type PositionedJson =
  | { readonly ok: true; readonly value: unknown; readonly positions: ReadonlyMap<string, TextPosition> }
  | { readonly ok: false; readonly message: string; readonly position: TextPosition };

class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const escapeSegment = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** The position of `offset` in `text`. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1, offset };
}

/** Parses `text`, recording each value's position by pointer (`''` for the root). */
export function parseWithPositions(text: string): PositionedJson {
  const positions = new Map<string, TextPosition>();
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (message: string): never => {
    throw new SyntaxProblem(message, Math.min(i, text.length));
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) {
      i = start;
      fail('this string is not closed');
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      i = start;
      return fail('this string has an invalid escape');
    }
  };
  const value = (pointer: string): unknown => {
    ws();
    positions.set(pointer, positionOf(text, i));
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        const key = string();
        ws();
        if (text[i] !== ':') fail(`expected ":" after "${key}"`);
        i++;
        out[key] = value(`${pointer}/${escapeSegment(key)}`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(`${pointer}/${out.length}`));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    const literal = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!literal) return fail(i >= text.length ? 'the text ends too early' : 'expected a value');
    i += literal[0].length;
    return JSON.parse(literal[0]) as unknown;
  };
  try {
    const result = value('');
    ws();
    if (i < text.length) fail('unexpected text after the value');
    return { ok: true, value: result, positions };
  } catch (error) {
    if (error instanceof SyntaxProblem)
      return { ok: false, message: error.message, position: positionOf(text, error.offset) };
    throw error;
  }
}

/** The position of `pointer`, or of its nearest ancestor that has one. */
export function nearestPosition(
  positions: ReadonlyMap<string, TextPosition>,
  pointer: string,
): TextPosition | undefined {
  let p = pointer;
  for (;;) {
    const found = positions.get(p);
    if (found) return found;
    if (p === '') return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
