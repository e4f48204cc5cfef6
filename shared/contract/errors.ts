// The one error shape every command can fail with, on every transport.

export const ERROR_CODES = [
  'invalid-input', // the input did not match the command's schema
  'unknown-command',
  'not-found', // no such client, retained topic, session…
  'conflict', // a client with that name exists, or it is in the wrong state for the command
  'not-connected', // the named client is not connected
  'mqtt-error', // the broker refused or the connection failed (message says why, with the reason code)
  'io-error', // a file could not be read, the store could not write
  'forbidden', // the caller may not use the API (untrusted frame, missing token)
  'internal',
] as const;
export type WorkbenchErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one input field: `path` is dotted (`profile.will.qos`). */
export interface InputIssue {
  path: string;
  message: string;
}

/** What travels over the wire. */
export interface WorkbenchErrorData {
  code: WorkbenchErrorCode;
  message: string;
  issues?: InputIssue[];
}

export class WorkbenchError extends Error implements WorkbenchErrorData {
  override readonly name = 'WorkbenchError';

  constructor(
    readonly code: WorkbenchErrorCode,
    message: string,
    readonly issues?: InputIssue[],
  ) {
    super(message);
  }

  toJSON(): WorkbenchErrorData {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }

  static from(data: WorkbenchErrorData): WorkbenchError {
    const code = (ERROR_CODES as readonly string[]).includes(data.code) ? data.code : 'internal';
    return new WorkbenchError(code, data.message, data.issues);
  }
}
