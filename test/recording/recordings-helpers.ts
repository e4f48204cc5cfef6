// Shared by the recording tests: every record of a recording (or of the live log), oldest first.
import type { WorkbenchClient } from '../../shared/contract/client.js';
import type { TrafficRecord } from '../../shared/contract/traffic.js';

type Filter = { connections?: string[]; side?: 'broker' | 'client'; fromUs?: number; toUs?: number };

/** Every record through keyset pages of 200, with payloads up to 1 MiB each. */
export async function recordingRecords(api: WorkbenchClient, id: string, filter: Filter = {}): Promise<TrafficRecord[]> {
  const out: TrafficRecord[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await api.call('recording.query', { id, ...filter, order: 'asc', limit: 200, payloadBytes: 1_048_576, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    if (page.next === null) return out;
    cursor = page.next;
  }
}

export async function logRecords(api: WorkbenchClient, filter: Filter = {}): Promise<TrafficRecord[]> {
  const out: TrafficRecord[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await api.call('traffic.query', { ...filter, order: 'asc', limit: 200, payloadBytes: 1_048_576, ...(cursor ? { cursor } : {}) });
    out.push(...page.records);
    if (page.next === null) return out;
    cursor = page.next;
  }
}

/** A record without its position (ids differ between the live log and a recording) and without its payload. */
export function withoutIdAndPayload(record: TrafficRecord): Omit<TrafficRecord, 'id' | 'payload'> {
  const { id: _id, payload: _payload, ...rest } = record;
  return rest;
}

/** Expects a WorkbenchError with this code; returns its message. */
export async function rejection(promise: Promise<unknown>, code: string): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string };
    if (e.code !== code) throw new Error(`expected a '${code}' error, got '${e.code}': ${e.message}`);
    return e.message;
  }
  throw new Error(`expected a '${code}' error, but it succeeded`);
}
