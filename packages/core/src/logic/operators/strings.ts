/** flagd's `starts_with` and `ends_with`: two strings, else `null` (so the default variant applies). */
import { compileArgs, literal } from '../nodes.js';
import type { OperatorCompiler } from '../types.js';

function stringTest(test: (text: string, part: string) => boolean): OperatorCompiler {
  return (args, scope, compile, rawArgs) => {
    if (!Array.isArray(rawArgs) || args.length !== 2) return literal(null);
    const [text, part] = compileArgs(args, scope, rawArgs, compile) as [
      ReturnType<typeof literal>,
      ReturnType<typeof literal>,
    ];
    return (data, root) => {
      const a = text(data, root);
      const b = part(data, root);
      return typeof a === 'string' && typeof b === 'string' ? test(a, b) : null;
    };
  };
}

export const startsWithOp = stringTest((text, part) => text.startsWith(part));
export const endsWithOp = stringTest((text, part) => text.endsWith(part));
