// The replay of a recording through a named client: at most one at a time, its progress as events.
import { EventEmitter } from 'node:events';
import { WorkbenchError } from '../../shared/contract/errors.js';
import type { ReplaySpeed, ReplayStatus } from '../../shared/contract/recordings.js';
import type { ClientRegistry } from '../clients/index.js';
import { namedClientPublisher } from './named-client-publisher.js';
import type { Recordings } from './recordings.js';
import { startReplay, type Replay, type ReplayProgress } from './replay.js';
import { selectMessages } from './replay-messages.js';
import { retainedFirstFrom } from './state-at.js';

export interface ReplayRequest {
  id: string;
  client: string;
  speed: ReplaySpeed;
  connections?: string[] | undefined;
  topic?: string | undefined;
  fromUs?: number | undefined;
  retainedFirst: boolean;
}

export class Replays extends EventEmitter<{ progress: [ReplayStatus] }> {
  private current: { replay: Replay; request: ReplayRequest; last: ReplayStatus } | null = null;

  constructor(private readonly recordings: Recordings, private readonly clients: ClientRegistry) {
    super();
  }

  status(): ReplayStatus | null {
    return this.current?.last ?? null;
  }

  async start(request: ReplayRequest): Promise<ReplayStatus> {
    if (this.current && !isOver(this.current.last)) {
      throw new WorkbenchError('conflict', `a replay of "${this.current.request.id}" is under way; stop it before starting another`);
    }
    const client = this.clients.get(request.client);
    if (client.info().state !== 'connected') {
      throw new WorkbenchError('not-connected', `client "${client.name}" is not connected; connect it to the broker to replay into`);
    }
    const startedUs = this.recordings.list().find((r) => r.id === request.id)?.startedUs;
    if (startedUs === undefined) throw new WorkbenchError('not-found', `no recording with id "${request.id}"`);
    const retained = request.retainedFirst ? retainedFirstFrom(this.recordings.retainedAt(request.id, this.recordings.packetAt(request.id, (request.fromUs ?? startedUs) - 1))) : [];
    const records = this.recordings.records(request.id, {
      types: ['connect', 'publish', 'puback', 'pubcomp'], ...(request.fromUs !== undefined ? { fromUs: request.fromUs } : {}),
    });
    const messages = selectMessages(records, {
      ...(request.connections ? { connections: request.connections } : {}),
      ...(request.topic ? { topic: request.topic } : {}),
    });
    const replay = startReplay(messages, namedClientPublisher(client), {
      speed: request.speed,
      retainedFirst: retained,
      ...(request.fromUs !== undefined ? { startAtUs: request.fromUs } : {}),
      onProgress: (progress) => this.report(progress),
    });
    const current = { replay, request, last: statusOf(replay, replay.progress, request) };
    this.current = current;
    void replay.finished.then((progress) => {
      if (this.current === current) this.report(progress);
    });
    return current.last;
  }

  async control(action: 'pause' | 'resume' | 'stop' | 'speed', speed?: ReplaySpeed): Promise<ReplayStatus> {
    const current = this.current;
    if (!current || isOver(current.last)) throw new WorkbenchError('conflict', 'no replay is under way');
    if (action === 'pause') await current.replay.pause();
    else if (action === 'resume') current.replay.resume();
    else if (action === 'stop') await current.replay.stop();
    else current.replay.setSpeed(speed!);
    return this.report(current.replay.progress);
  }

  async close(): Promise<void> {
    if (this.current && !isOver(this.current.last)) await this.current.replay.stop();
  }

  private report(progress: ReplayProgress): ReplayStatus {
    const current = this.current!;
    current.last = statusOf(current.replay, progress, current.request);
    this.emit('progress', current.last);
    return current.last;
  }

}

function statusOf(replay: Replay, p: ReplayProgress, request: ReplayRequest): ReplayStatus {
  return {
    recordingId: request.id, client: request.client, speed: replay.speed,
    state: p.state, published: p.published, retainedPublished: p.retainedPublished, positionUs: p.positionUs,
    ...(p.error ? { error: p.error } : {}),
  };
}

const isOver = (status: ReplayStatus) => status.state === 'stopped' || status.state === 'done';
