/**
 * Errors raised by flag stores. Validation refusals are `@ensign/core`'s `FlagSetValidationError`
 * (an OpenFeature `ParseError` listing every problem by JSON Pointer); the classes here cover what
 * only a store can get wrong: versions, history, permissions.
 */

/** Base class of every store error: names the flag set it happened to. */
export class FlagStoreError extends Error {
  override name = 'FlagStoreError';
  /** The flag set the operation was about. */
  readonly flagSet: string;

  constructor(flagSet: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.flagSet = flagSet;
  }
}

/**
 * A compare-and-set write was refused: the set is no longer at the version the caller read.
 * Reload, reapply the edit, and write again with the new version.
 */
export class VersionConflictError extends FlagStoreError {
  override name = 'VersionConflictError';

  constructor(
    flagSet: string,
    /** The version the write expected. */
    readonly expectedVersion: number,
    /** The version the set was at. */
    readonly actualVersion: number,
  ) {
    super(
      flagSet,
      `flag set "${flagSet}" is at version ${actualVersion}, not the expected version ${expectedVersion}: reload it and reapply the change`,
    );
  }
}

/**
 * A write with `ifMatch` was refused: the flag changed since the caller read it (its ETag differs).
 * A change to other flags of the set never causes this.
 */
export class FlagConflictError extends FlagStoreError {
  override name = 'FlagConflictError';

  constructor(
    flagSet: string,
    /** The flag written. */
    readonly flagKey: string,
    /** The ETag the write expected. */
    readonly expectedEtag: string,
    /** The flag's ETag now (`ABSENT_FLAG_ETAG` when it does not exist). */
    readonly actualEtag: string,
  ) {
    super(
      flagSet,
      `flag "${flagKey}" in flag set "${flagSet}" changed since it was read (ETag ${actualEtag}, not ${expectedEtag}): reload it and reapply the change`,
    );
  }
}

/** `deleteFlag` or `patchFlag` named a flag the set does not hold. */
export class MissingFlagError extends FlagStoreError {
  override name = 'MissingFlagError';

  constructor(
    flagSet: string,
    /** The flag that was not found. */
    readonly flagKey: string,
  ) {
    super(flagSet, `flag "${flagKey}" does not exist in flag set "${flagSet}"`);
  }
}

/**
 * `revert` cannot rebuild the requested version: it is newer than the set, or the audit log was
 * trimmed past it (see the store's `maxLogLength` option).
 */
export class HistoryUnavailableError extends FlagStoreError {
  override name = 'HistoryUnavailableError';

  constructor(
    flagSet: string,
    /** The version asked for. */
    readonly version: number,
    message: string,
  ) {
    super(flagSet, message);
  }
}

/**
 * The backend refused an operation for lack of permission (a Redis ACL `NOPERM`, a Firestore
 * `PERMISSION_DENIED`), e.g. a write made with the read-only user that providers use.
 */
export class StorePermissionError extends FlagStoreError {
  override name = 'StorePermissionError';

  constructor(
    flagSet: string,
    /** What was refused: `read`, `write` or `subscribe to`. */
    readonly operation: string,
    cause: unknown,
    /** What the user needs instead, in the backend's terms. */
    hint?: string,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      flagSet,
      `the store's user may not ${operation} flag set "${flagSet}" (${detail})${hint ? `; ${hint}` : ''}`,
      { cause },
    );
  }
}

/**
 * A store method was called with an argument it cannot accept (a patch that is not an object, a
 * non-string actor, a version that is not an integer): refused before anything is read or
 * written, naming the method and the argument.
 */
export class InvalidArgumentError extends TypeError {
  override name = 'InvalidArgumentError';

  constructor(
    /** The method called, e.g. `patchFlag`. */
    readonly method: string,
    /** The argument refused, e.g. `patch.state` or `options.actor`. */
    readonly argument: string,
    message: string,
  ) {
    super(`${method}: ${argument} ${message}`);
  }
}
