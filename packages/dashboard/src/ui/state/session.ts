/** The signed-in session: who, with which role, and what the role may do in the UI. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from '../api/types.js';

/** The session of the page (always set inside the signed-in app). */
export const SessionContext = createContext<Session | undefined>(undefined);

/** The session; throws outside the signed-in app. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in app');
  return session;
}

/**
 * Whether the session may change flags of `flagSet`. The API decides (403 otherwise); the UI
 * reflects it, so a viewer sees no write buttons at all.
 */
export function canWrite(session: Session, flagSet: string | undefined): boolean {
  if (session.role === 'admin') return true;
  if (session.role !== 'editor' || flagSet === undefined) return false;
  return session.flagSets.includes('*') || session.flagSets.includes(flagSet);
}
