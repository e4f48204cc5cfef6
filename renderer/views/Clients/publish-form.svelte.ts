// The publish form of the selected client: topic (with the last topics used), payload in a format,
// QoS, retain, MQTT 5 properties; saved templates in localStorage; the result of the last publish.
import type { ClientInfo, PublishInput } from '../../../shared/contract/clients.js';
import type { PublishProperties } from '../../../shared/contract/mqtt-values.js';
import { reasonCodeName } from '../../../shared/mqtt/reason-codes.js';
import { topicNameProblem } from '../../../shared/mqtt/topic.js';
import { bytesText } from '../../lib/format.js';
import type { Workbench } from '../../lib/state/workbench.svelte.js';
import { convertPayload, EDIT_FORMATS, payloadProblem, type EditFormat } from './payload-codec.js';

export const TEMPLATES_KEY = 'mqtt-workbench.publish-templates';
const RECENT_TOPICS = 10;
const RESULT_MS = 4000;

/** Everything the form holds; what a template saves. */
export interface PublishDraft {
  topic: string;
  format: EditFormat;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  contentType: string;
  responseTopic: string;
  correlationData: string;
  messageExpiry: number | null | undefined;
  userProperties: Array<[string, string]>;
}

export interface PublishTemplate {
  name: string;
  draft: PublishDraft;
}

export class PublishFormState {
  topic = $state('');
  format = $state<EditFormat>('text');
  payload = $state('');
  qos = $state<0 | 1 | 2>(0);
  retain = $state(false);
  contentType = $state('');
  responseTopic = $state('');
  correlationData = $state('');
  messageExpiry = $state<number | null | undefined>(undefined);
  userProperties = $state<Array<[string, string]>>([]);
  /** The last topics published to, newest first (this session only). */
  recent = $state<string[]>([]);
  templates = $state<PublishTemplate[]>(loadTemplates());
  busy = $state(false);
  /** The outcome of the last publish, shown for a few seconds. */
  result = $state<{ ok: boolean; text: string } | null>(null);
  private resultTimer: ReturnType<typeof setTimeout> | undefined;

  readonly topicProblem = $derived(this.topic === '' ? null : topicNameProblem(this.topic));
  readonly payloadProblem = $derived(payloadProblem(this.format, this.payload));
  readonly propertiesProblem = $derived.by(() => {
    if (this.responseTopic !== '' && topicNameProblem(this.responseTopic)) return `response topic ${topicNameProblem(this.responseTopic)}`;
    if (!/^([0-9a-fA-F]{2})*$/.test(this.correlationData.replace(/\s+/g, ''))) return 'correlation data must be hex bytes';
    return null;
  });

  /** Switches the payload format, rewriting the same bytes in the new one when they are valid. */
  setFormat(format: EditFormat): void {
    this.payload = convertPayload(this.format, format, this.payload);
    this.format = format;
  }

  canPublish(client: ClientInfo | undefined): boolean {
    return !this.busy && client?.state === 'connected' && this.topic !== '' && !this.topicProblem && !this.payloadProblem
      && !(client.profile.protocolVersion === 5 && this.propertiesProblem);
  }

  async publish(workbench: Workbench, client: ClientInfo | undefined): Promise<void> {
    if (!client || !this.canPublish(client)) return;
    const v5 = client.profile.protocolVersion === 5;
    const input: PublishInput = {
      name: client.profile.name,
      topic: this.topic,
      payload: { format: this.format, data: this.payload },
      qos: this.qos,
      retain: this.retain,
      ...(v5 ? { properties: this.properties() } : {}),
    };
    this.busy = true;
    this.result = null;
    const result = await workbench.call('clients.publish', input).finally(() => (this.busy = false));
    this.remember(this.topic);
    if (!result) return this.show(false, workbench.error ?? 'publish failed');
    const parts = [`published ${bytesText(result.size)} at QoS ${this.qos}`];
    if (result.packetId !== undefined) parts.push(`packet id ${result.packetId}`);
    if (result.reasonCode !== undefined) parts.push(`${reasonCodeName(result.reasonCode)} (0x${result.reasonCode.toString(16).padStart(2, '0')})`);
    this.show(result.reasonCode === undefined || result.reasonCode < 0x80, parts.join(' · '));
  }

  saveTemplate(name: string): void {
    const template = { name: name.trim(), draft: this.draft() };
    if (template.name === '') return;
    this.templates = [...this.templates.filter((t) => t.name !== template.name), template].sort((a, b) => a.name.localeCompare(b.name));
    storeTemplates(this.templates);
  }

  loadTemplate(name: string): void {
    const template = this.templates.find((t) => t.name === name);
    if (!template) return;
    const d = template.draft;
    this.topic = d.topic;
    this.format = d.format;
    this.payload = d.payload;
    this.qos = d.qos;
    this.retain = d.retain;
    this.contentType = d.contentType;
    this.responseTopic = d.responseTopic;
    this.correlationData = d.correlationData;
    this.messageExpiry = d.messageExpiry;
    this.userProperties = d.userProperties.map(([k, v]) => [k, v]);
  }

  deleteTemplate(name: string): void {
    this.templates = this.templates.filter((t) => t.name !== name);
    storeTemplates(this.templates);
  }

  private properties(): PublishProperties | undefined {
    const p: PublishProperties = {};
    if (this.contentType !== '') p.contentType = this.contentType;
    if (this.responseTopic !== '') p.responseTopic = this.responseTopic;
    const correlation = this.correlationData.replace(/\s+/g, '');
    if (correlation !== '') p.correlationData = correlation;
    if (this.messageExpiry != null) p.messageExpiryInterval = this.messageExpiry;
    if (this.userProperties.length > 0) p.userProperties = this.userProperties.map(([k, v]) => [k, v]);
    return Object.keys(p).length > 0 ? p : undefined;
  }

  private draft(): PublishDraft {
    return {
      topic: this.topic, format: this.format, payload: this.payload, qos: this.qos, retain: this.retain,
      contentType: this.contentType, responseTopic: this.responseTopic, correlationData: this.correlationData,
      messageExpiry: this.messageExpiry, userProperties: this.userProperties.map(([k, v]) => [k, v]),
    };
  }

  private remember(topic: string): void {
    this.recent = [topic, ...this.recent.filter((t) => t !== topic)].slice(0, RECENT_TOPICS);
  }

  private show(ok: boolean, text: string): void {
    clearTimeout(this.resultTimer);
    this.result = { ok, text };
    this.resultTimer = setTimeout(() => (this.result = null), RESULT_MS);
  }
}

function loadTemplates(): PublishTemplate[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(TEMPLATES_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.flatMap((t) => asTemplate(t) ?? []) : [];
  } catch {
    return [];
  }
}

function storeTemplates(templates: PublishTemplate[]): void {
  try {
    localStorage.setItem(TEMPLATES_KEY, JSON.stringify(templates));
  } catch {
    // Storage full or disabled: the templates stay for this session.
  }
}

/** What localStorage holds is not trusted to have our shape (another version may have written it). */
function asTemplate(value: unknown): PublishTemplate | null {
  const t = value as { name?: unknown; draft?: Partial<Record<keyof PublishDraft, unknown>> } | null;
  const d = t?.draft;
  if (typeof t?.name !== 'string' || !d || typeof d.topic !== 'string' || typeof d.payload !== 'string') return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const pairs = Array.isArray(d.userProperties) ? d.userProperties : [];
  return {
    name: t.name,
    draft: {
      topic: d.topic,
      format: EDIT_FORMATS.includes(d.format as EditFormat) ? (d.format as EditFormat) : 'text',
      payload: d.payload,
      qos: d.qos === 1 || d.qos === 2 ? d.qos : 0,
      retain: d.retain === true,
      contentType: text(d.contentType),
      responseTopic: text(d.responseTopic),
      correlationData: text(d.correlationData),
      messageExpiry: typeof d.messageExpiry === 'number' ? d.messageExpiry : undefined,
      userProperties: pairs.flatMap((p: unknown) => (Array.isArray(p) && p.length === 2 ? [[text(p[0]), text(p[1])] as [string, string]] : [])),
    },
  };
}
