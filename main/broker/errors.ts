/**
 * What a handler throws when a packet cannot be accepted. `dispatch.ts` alone turns it into a CONNACK
 * failure (during CONNECT) or a DISCONNECT with this reason (MQTT 5) or a plain close (3.1.1).
 */
export class BrokerError extends Error {
  constructor(
    readonly reasonCode: number,
    message: string,
    /** The normative statement broken, e.g. '[MQTT-3.3.2-2]'. */
    readonly specRef?: string,
  ) {
    super(specRef ? `${message} ${specRef}` : message);
    this.name = 'BrokerError';
  }
}
