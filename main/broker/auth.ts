import type { AclFile } from './auth/acl.js';
import type { PasswordFile } from './auth/password-file.js';

export interface Credentials {
  clientId: string;
  username?: string;
  password?: Buffer;
  remoteAddress: string;
}

export interface Subject {
  clientId: string;
  username?: string;
}

export type AuthResult = 'ok' | 'bad credentials' | 'not authorized';

/** The broker's authentication and authorisation hooks. */
export interface Auth {
  authenticate(credentials: Credentials): AuthResult;
  /** Null when every topic is allowed: the hot path then skips the per-message checks. */
  acl: {
    canPublish(subject: Subject, topic: string): boolean;
    canSubscribe(subject: Subject, filter: string): boolean;
    canReceive(subject: Subject, topic: string): boolean;
  } | null;
  /** What is configured, for status displays. */
  readonly summary?: { passwordFile: boolean; aclFile: boolean; anonymous: AnonymousPolicy };
}

export type AnonymousPolicy = 'always' | 'never' | 'loopback';

export interface AuthOptions {
  passwordFile?: PasswordFile;
  aclFile?: AclFile;
  /** Default: 'loopback' without a password file, 'never' with one (as Mosquitto 2 does). */
  allowAnonymous?: AnonymousPolicy;
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

export function createAuth(options: AuthOptions = {}): Auth {
  const { passwordFile, aclFile } = options;
  const anonymous = options.allowAnonymous ?? (passwordFile ? 'never' : 'loopback');
  return {
    authenticate({ username, password, remoteAddress }) {
      // Without a password file a username proves nothing, so it is treated as anonymous.
      if (username === undefined || !passwordFile) {
        if (anonymous === 'always' || (anonymous === 'loopback' && isLoopback(remoteAddress))) return 'ok';
        return 'not authorized';
      }
      return passwordFile.verify(username, password ?? Buffer.alloc(0)) ? 'ok' : 'bad credentials';
    },
    acl: aclFile ?? null,
    summary: { passwordFile: passwordFile !== undefined, aclFile: aclFile !== undefined, anonymous },
  };
}
