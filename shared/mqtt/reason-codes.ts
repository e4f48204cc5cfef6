// MQTT 5.0 reason codes (§2.4) and the MQTT 3.1.1 CONNACK return codes (§3.2.2.3), with display names.

export const ReasonCode = {
  Success: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  DisconnectWithWill: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  QuotaExceeded: 0x97,
  PayloadFormatInvalid: 0x99,
  SharedSubscriptionsNotSupported: 0x9e,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

export type ReasonCodeValue = (typeof ReasonCode)[keyof typeof ReasonCode];

const names = new Map<number, string>(
  Object.entries(ReasonCode).map(([name, code]) => [code, spaced(name)]),
);

/** 'GrantedQoS1' → 'granted qos 1', 'NotAuthorized' → 'not authorized'. */
function spaced(name: string): string {
  return name.replace('QoS', 'Qos').replace(/([a-z])([A-Z0-9])/g, '$1 $2').toLowerCase();
}

/** A readable name for a reason code, e.g. 0x87 → "not authorized". */
export function reasonCodeName(code: number): string {
  return names.get(code) ?? `reason 0x${code.toString(16).padStart(2, '0')}`;
}

/** MQTT 3.1.1 CONNACK return codes. */
export const ConnackReturnCode = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUserNameOrPassword: 4,
  NotAuthorized: 5,
} as const;

/** The 3.1.1 CONNACK return code for a v5 CONNACK reason code; null when 3.1.1 has none (just close). */
export function connackReturnCodeFor(reasonCode: number): number | null {
  switch (reasonCode) {
    case ReasonCode.Success: return ConnackReturnCode.Accepted;
    case ReasonCode.UnsupportedProtocolVersion: return ConnackReturnCode.UnacceptableProtocolVersion;
    case ReasonCode.ClientIdentifierNotValid: return ConnackReturnCode.IdentifierRejected;
    case ReasonCode.ServerUnavailable:
    case ReasonCode.ServerBusy:
    case ReasonCode.QuotaExceeded: return ConnackReturnCode.ServerUnavailable;
    case ReasonCode.BadUserNameOrPassword: return ConnackReturnCode.BadUserNameOrPassword;
    case ReasonCode.NotAuthorized: return ConnackReturnCode.NotAuthorized;
    default: return null;
  }
}
