/** Reads shared by several pages. */
import { path, ApiError, api } from './client.js';
import type { FlagList, LifecycleReport } from './types.js';

/** Every flag of a set with its ETag. */
export function loadFlags(flagSet: string): Promise<FlagList> {
  return api<FlagList>(path('flag-sets', flagSet, 'flags'));
}

/**
 * The set's lifecycle report, or `null` when this server has none (an older server, or the
 * report route missing): the pages then show the definitions alone.
 */
export async function loadLifecycle(flagSet: string): Promise<LifecycleReport | null> {
  try {
    return await api<LifecycleReport>(path('flag-sets', flagSet, 'lifecycle'));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}
