// Schemas for MQTT values that several commands share: QoS, payloads as the user types them, MQTT 5 properties.
import { z } from 'zod';
import { topicFilterProblem, topicNameProblem } from '../mqtt/topic.js';

export const QoS = z.union([z.literal(0), z.literal(1), z.literal(2)]);
export type QoS = z.infer<typeof QoS>;

export const TopicName = z.string().superRefine((topic, ctx) => {
  const problem = topicNameProblem(topic);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const TopicFilter = z.string().superRefine((filter, ctx) => {
  const problem = topicFilterProblem(filter);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** How a payload typed in the UI or CLI is turned into bytes. `file` reads the file at `data` (a path). */
export const PAYLOAD_FORMATS = ['text', 'json', 'hex', 'base64', 'file'] as const;
export const PayloadInput = z.object({
  format: z.enum(PAYLOAD_FORMATS).default('text'),
  data: z.string().default(''),
});
export type PayloadInput = z.infer<typeof PayloadInput>;

/** MQTT 5 user properties in wire order (a key may repeat). */
export const UserProperties = z.array(z.tuple([z.string(), z.string()]));

const u32 = z.number().int().min(0).max(0xffffffff);

/** MQTT 5 PUBLISH properties a user can set. */
export const PublishProperties = z.object({
  payloadFormatIndicator: z.boolean().optional(),
  messageExpiryInterval: u32.optional(),
  contentType: z.string().optional(),
  responseTopic: TopicName.optional(),
  /** Hex; empty means none. */
  correlationData: z.string().regex(/^([0-9a-fA-F]{2})*$/, 'correlation data must be hex bytes').optional(),
  userProperties: UserProperties.optional(),
  topicAlias: z.number().int().min(1).max(0xffff).optional(),
});
export type PublishProperties = z.infer<typeof PublishProperties>;

export const SubscribeOptions = z.object({
  noLocal: z.boolean().default(false),
  retainAsPublished: z.boolean().default(false),
  retainHandling: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
  subscriptionIdentifier: z.number().int().min(1).max(268_435_455).optional(),
});
