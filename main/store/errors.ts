/** Why the store could not be used. The message always says what happened and what the user can do. */
export type StoreErrorCode = 'corrupt' | 'unreadable' | 'newer-version' | 'write-failed';

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    /** The database file concerned. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The CLI option that lets the broker set a corrupt database aside and start with an empty one. */
export const RESET_CORRUPT_DB_OPTION = '--reset-corrupt-db';

/** SQLite's own explanation of an error, without our wrapping ("file is not a database"). */
export function describeCause(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The extended result code better-sqlite3 puts on its errors ('SQLITE_CORRUPT', 'SQLITE_FULL', ...). */
export function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
