// Checks shared by the packet handlers; each failure is a BrokerError with the reason code to send.
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import { BrokerError } from '../errors.js';
import { bodyStart, readVarint } from '../varint.js';

/** Deeper topics are refused: the tries walk them level by level. */
export const MAX_TOPIC_LEVELS = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function invalidUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return false;
  } catch {
    return true;
  }
}

export function tooDeep(topicOrFilter: string): boolean {
  let levels = 1;
  for (let i = topicOrFilter.indexOf('/'); i !== -1; i = topicOrFilter.indexOf('/', i + 1)) {
    if (++levels > MAX_TOPIC_LEVELS) return true;
  }
  return false;
}

/**
 * A decoder turns invalid UTF-8 into U+FFFD, which is also a valid character: so a string that holds one
 * is judged by its bytes on the wire.
 */
export function checkEncoding(value: string, what: string, rawStrings: () => Buffer[]): void {
  if (value.includes('\u0000')) {
    throw new BrokerError(ReasonCode.MalformedPacket, `${what} contains U+0000`, '[MQTT-1.5.4-2]');
  }
  if (value.includes('\uFFFD') && rawStrings().some(invalidUtf8)) {
    throw new BrokerError(ReasonCode.MalformedPacket, `${what} is not valid UTF-8`, '[MQTT-1.5.4-1]');
  }
}

/** The checks of `topicNameProblem`, done from the decoded string and, for U+FFFD, the bytes (hot path). */
export function checkTopicName(topic: string, publishBytes: Buffer): void {
  if (topic.length === 0) throw new BrokerError(ReasonCode.ProtocolError, 'empty topic and no topic alias');
  checkEncoding(topic, 'topic', () => [rawPublishTopic(publishBytes)]);
  if (topic.includes('+') || topic.includes('#')) {
    throw new BrokerError(ReasonCode.TopicNameInvalid, `topic "${topic}" contains a wildcard (+ or #)`, '[MQTT-3.3.2-2]');
  }
  if (tooDeep(topic)) throw new BrokerError(ReasonCode.TopicNameInvalid, `topic has more than ${MAX_TOPIC_LEVELS} levels`);
}

function rawPublishTopic(bytes: Buffer): Buffer {
  const at = bodyStart(bytes);
  return bytes.subarray(at + 2, at + 2 + bytes.readUInt16BE(at));
}

/** The topic filters of a SUBSCRIBE (with option bytes) or UNSUBSCRIBE, as bytes. */
export function rawFilters(bytes: Buffer, v5: boolean, withOptions: boolean): Buffer[] {
  let at = bodyStart(bytes) + 2;
  if (v5) {
    const properties = readVarint(bytes, at);
    at += properties.size + properties.value;
  }
  const filters: Buffer[] = [];
  while (at + 2 <= bytes.length) {
    const length = bytes.readUInt16BE(at);
    filters.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length + (withOptions ? 1 : 0);
  }
  return filters;
}
