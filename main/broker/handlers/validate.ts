// Checks shared by the packet handlers; each failure is a BrokerError with the reason code to send.
import { ReasonCode } from '../../../shared/mqtt/reason-codes.js';
import { topicNameProblem } from '../../../shared/mqtt/topic.js';
import { BrokerError } from '../errors.js';

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

export function checkTopicName(topic: string): void {
  const problem = topicNameProblem(topic);
  if (problem) throw new BrokerError(ReasonCode.TopicNameInvalid, `topic "${topic}" ${problem}`, '[MQTT-3.3.2-2]');
  if (tooDeep(topic)) throw new BrokerError(ReasonCode.TopicNameInvalid, `topic has more than ${MAX_TOPIC_LEVELS} levels`);
}
