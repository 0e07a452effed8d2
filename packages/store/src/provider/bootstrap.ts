/// <reference types="node" />
/** The `bootstrap` option: a flag-set document served until the store can be read. */
import { readFile } from 'node:fs/promises';
import type { FlagSetDocument } from '@ensign/core';
import { ParseError } from '@openfeature/server-sdk';

/** A document, or the path of a JSON file holding one. */
export type BootstrapSource = FlagSetDocument | string;

/**
 * Reads the bootstrap document. Its flags are compiled like the store's (an invalid flag is
 * isolated); only a file that cannot be read or parsed is refused.
 * @throws {ParseError} naming the option and the file.
 */
export async function loadBootstrap(source: BootstrapSource): Promise<FlagSetDocument> {
  if (typeof source !== 'string') return source;
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    throw new ParseError(`bootstrap file ${JSON.stringify(source)} (option bootstrap) cannot be read`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as FlagSetDocument;
  } catch (error) {
    throw new ParseError(
      `bootstrap file ${JSON.stringify(source)} (option bootstrap) is not JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
