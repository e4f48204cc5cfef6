import type { Statement } from 'better-sqlite3';
import type { Message } from '../broker/message.js';
import type {
  BrokerPersistence,
  PersistedState,
  StoredDelivery,
  StoredSubscription,
} from '../broker/persistence.js';
import { deliveryParams, loadState, messageParams, subscriptionParams } from './broker-rows.js';
import { type BrokerStatements, prepareStatements } from './broker-statements.js';
import { type OpenOptions, type SqliteDatabase, openDatabase } from './db.js';
import { StoreError, describeCause, sqliteCode } from './errors.js';
import { migrate } from './migrate.js';

export interface SqlitePersistenceOptions extends OpenOptions {
  /**
   * Told when a commit scheduled by the store itself (not an explicit flush()) fails. Without it the
   * error is thrown from that setImmediate callback, i.e. it is an uncaught exception and, by Node's
   * default, stops the process — which is the right thing for a broker that can no longer keep its promise.
   */
  onError?: (error: StoreError) => void;
}

/**
 * The broker's durable state in SQLite.
 *
 * Writes are batched: the first write opens a transaction and schedules a commit with setImmediate, so
 * everything written in one event-loop turn costs one commit. afterCommit callbacks run right after
 * the commit that makes their writes durable (all of them, even if one throws; the first error is
 * rethrown afterwards).
 *
 * A write that breaks a constraint or cannot be bound is the caller's mistake: it throws and the rest of
 * the batch stands. Any other failure is fail-stop: if a write or commit fails (disk full, I/O error),
 * the open transaction is rolled back, the pending afterCommit callbacks are dropped (their
 * acknowledgements are never sent, so clients resend), and every later call throws the same StoreError
 * 'write-failed'. What was committed before is intact; the broker must stop and be restarted.
 */
export class SqliteBrokerPersistence implements BrokerPersistence {
  readonly durable = true;
  private readonly statements: BrokerStatements;
  private inTransaction = false;
  private pendingWrites = 0;
  private callbacks: Array<() => void> = [];
  private scheduled: NodeJS.Immediate | undefined;
  private failure: StoreError | undefined;
  private closed = false;
  private commitCount = 0;

  /** Opens (creating and migrating if needed) the database file, or ':memory:'. */
  static open(file: string, options: SqlitePersistenceOptions = {}): SqliteBrokerPersistence {
    const db = openDatabase(file, options);
    try {
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteBrokerPersistence(db, options);
  }

  /** Takes over a database that openDatabase() opened and migrate() brought up to date. */
  constructor(
    readonly db: SqliteDatabase,
    private readonly options: Pick<SqlitePersistenceOptions, 'onError'> = {},
  ) {
    db.pragma('foreign_keys = ON'); // deleteSession relies on the cascade
    this.statements = prepareStatements(db);
  }

  /** Commits so far: for tests and diagnostics (many writes in one turn should cost one). */
  get commits(): number {
    return this.commitCount;
  }

  load(): PersistedState {
    this.assertUsable();
    return loadState(this.db);
  }

  setRetained(message: Message): void {
    this.write(this.statements.setRetained, messageParams(message));
  }

  deleteRetained(topic: string): void {
    this.write(this.statements.deleteRetained, topic);
  }

  saveSession(clientId: string, expiryInterval: number, disconnectedAt: number | null): void {
    this.write(this.statements.saveSession, { clientId, expiryInterval, disconnectedAt });
  }

  deleteSession(clientId: string): void {
    this.write(this.statements.deleteSession, clientId);
  }

  saveSubscription(clientId: string, subscription: StoredSubscription): void {
    this.write(this.statements.saveSubscription, subscriptionParams(clientId, subscription), clientId);
  }

  deleteSubscription(clientId: string, filter: string): void {
    this.write(this.statements.deleteSubscription, { clientId, filter });
  }

  saveDelivery(clientId: string, delivery: StoredDelivery): void {
    this.write(this.statements.saveDelivery, deliveryParams(clientId, delivery), clientId);
  }

  deleteDelivery(clientId: string, seq: number): void {
    this.write(this.statements.deleteDelivery, { clientId, seq });
  }

  addIncomingQos2(clientId: string, packetId: number): void {
    this.write(this.statements.addIncomingQos2, { clientId, packetId }, clientId);
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    this.write(this.statements.deleteIncomingQos2, { clientId, packetId });
  }

  afterCommit(callback: () => void): void {
    if (this.failure) throw this.failure;
    if (this.inTransaction) this.callbacks.push(callback);
    else callback();
  }

  flush(): void {
    if (this.failure) throw this.failure;
    if (!this.inTransaction) return;
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    try {
      this.statements.commit.run();
    } catch (error) {
      this.fail(error);
    }
    this.inTransaction = false;
    this.pendingWrites = 0;
    this.commitCount++;
    const callbacks = this.callbacks;
    this.callbacks = [];
    runAll(callbacks);
  }

  close(): void {
    if (this.closed) return;
    try {
      if (!this.failure) this.flush();
    } finally {
      this.closed = true;
      clearImmediate(this.scheduled);
      this.db.close(); // rolls back anything a failed flush left open
    }
  }

  /** Runs one write inside the batch transaction, opening it (and scheduling its commit) if needed. */
  private write(statement: Statement<[unknown?]>, params: unknown, clientId?: string): void {
    this.assertUsable();
    try {
      if (!this.inTransaction) {
        this.statements.begin.run();
        this.inTransaction = true;
        this.scheduled = setImmediate(() => this.backgroundFlush());
      }
      statement.run(params);
      this.pendingWrites++;
    } catch (error) {
      // A constraint or binding error undoes only its own statement: it is the caller's mistake, so
      // report it and keep the batch. Anything else (disk full, I/O) is the store failing.
      const code = sqliteCode(error);
      if (this.db.inTransaction && (code === '' || code.startsWith('SQLITE_CONSTRAINT'))) {
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' && clientId !== undefined) {
          throw new Error(
            `no session "${clientId}" in the store: saveSession() must come before its subscriptions, ` +
              'deliveries and incoming QoS 2 ids',
            { cause: error },
          );
        }
        throw error;
      }
      this.fail(error, 1);
    }
  }

  private backgroundFlush(): void {
    this.scheduled = undefined;
    try {
      this.flush();
    } catch (error) {
      if (error instanceof StoreError && this.options.onError) this.options.onError(error);
      else throw error;
    }
  }

  /** Rolls back the batch and makes every later call throw: see the class comment. */
  private fail(error: unknown, failedWrites = 0): never {
    const lost = this.pendingWrites + failedWrites;
    if (this.db.inTransaction) {
      try {
        this.statements.rollback.run();
      } catch {
        // SQLite may already have rolled back; close() will finish the job.
      }
    }
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.inTransaction = false;
    this.pendingWrites = 0;
    this.callbacks = [];
    this.failure = new StoreError(
      'write-failed',
      this.db.name,
      `could not write to database ${this.db.name} (${describeCause(error)}); the last ${lost} change(s) ` +
        'were not saved, so the broker must stop rather than go on with state it cannot keep. ' +
        'Everything committed before is intact: free disk space or fix the file and restart',
      { cause: error },
    );
    throw this.failure;
  }

  private assertUsable(): void {
    if (this.closed) throw new Error(`the broker store ${this.db.name} is closed`);
    if (this.failure) throw this.failure;
  }
}

/** Calls every callback even if one throws; rethrows the first error afterwards. */
function runAll(callbacks: Array<() => void>): void {
  let first: { error: unknown } | undefined;
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      first ??= { error };
    }
  }
  if (first) throw first.error;
}
