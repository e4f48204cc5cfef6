// MQTT control packet types by mqtt-packet's names. Kept apart from the contract's schemas so the
// renderer can use them without bundling zod.
export const PACKET_TYPES = [
  'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
  'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
] as const;
export type PacketType = (typeof PACKET_TYPES)[number];
