// shared/mqtt/reason-codes.ts: MQTT 5.0 reason codes (§2.4) and the MQTT 3.1.1 CONNACK return codes (§3.2.2.3).
import { describe, expect, it } from 'vitest';
import { ConnackReturnCode, connackReturnCodeFor, ReasonCode, reasonCodeName } from '../../shared/mqtt/reason-codes.js';

const hex = (code: number): string => `0x${code.toString(16).padStart(2, '0')}`;

// Code and name as MQTT 5.0 Table 2-6 spells them, lower-cased.
const SPEC: Array<[number, string]> = [
  [0x00, 'success'],
  [0x01, 'granted qos 1'],
  [0x02, 'granted qos 2'],
  [0x10, 'no matching subscribers'],
  [0x11, 'no subscription existed'],
  [0x80, 'unspecified error'],
  [0x81, 'malformed packet'],
  [0x82, 'protocol error'],
  [0x83, 'implementation specific error'],
  [0x84, 'unsupported protocol version'],
  [0x85, 'client identifier not valid'],
  [0x86, 'bad user name or password'],
  [0x87, 'not authorized'],
  [0x88, 'server unavailable'],
  [0x89, 'server busy'],
  [0x8c, 'bad authentication method'],
  [0x8d, 'keep alive timeout'],
  [0x8e, 'session taken over'],
  [0x8f, 'topic filter invalid'],
  [0x90, 'topic name invalid'],
  [0x91, 'packet identifier in use'],
  [0x92, 'packet identifier not found'],
  [0x93, 'receive maximum exceeded'],
  [0x94, 'topic alias invalid'],
  [0x95, 'packet too large'],
  [0x97, 'quota exceeded'],
  [0x99, 'payload format invalid'],
  [0x9e, 'shared subscriptions not supported'],
  [0xa1, 'subscription identifiers not supported'],
  [0xa2, 'wildcard subscriptions not supported'],
];

describe('ReasonCode values', () => {
  it('has the values of MQTT 5.0 Table 2-6', () => {
    expect(ReasonCode.Success).toBe(0x00);
    expect(ReasonCode.GrantedQoS1).toBe(0x01);
    expect(ReasonCode.GrantedQoS2).toBe(0x02);
    expect(ReasonCode.DisconnectWithWill).toBe(0x04);
    expect(ReasonCode.NoMatchingSubscribers).toBe(0x10);
    expect(ReasonCode.NotAuthorized).toBe(0x87);
    expect(ReasonCode.BadAuthenticationMethod).toBe(0x8c);
    expect(ReasonCode.PacketTooLarge).toBe(0x95);
    expect(ReasonCode.QuotaExceeded).toBe(0x97);
    expect(ReasonCode.WildcardSubscriptionsNotSupported).toBe(0xa2);
  });

  it('gives every code one name only', () => {
    const values = Object.values(ReasonCode);
    expect(new Set(values).size).toBe(values.length);
  });
});

describe('reasonCodeName', () => {
  it.each(SPEC.map(([code, name]) => ({ hex: hex(code), code, name })))('$hex is named $name', ({ code, name }) => {
    expect(reasonCodeName(code)).toBe(name);
  });

  it('names "disconnect with will (message)"', () => {
    expect(reasonCodeName(0x04)).toMatch(/^disconnect with will/);
  });

  it('names every known code in lower case without the camel case', () => {
    for (const code of Object.values(ReasonCode)) {
      const name = reasonCodeName(code);
      expect(name).toBe(name.toLowerCase());
      expect(name).not.toMatch(/^reason 0x/);
    }
  });

  it('falls back to the hex value for unknown codes', () => {
    expect(reasonCodeName(0x8a)).toBe('reason 0x8a');
    expect(reasonCodeName(0x05)).toBe('reason 0x05');
    expect(reasonCodeName(0xff)).toBe('reason 0xff');
  });
});

describe('connackReturnCodeFor (v5 CONNACK reason → 3.1.1 return code)', () => {
  it('has the 3.1.1 return code values of Table 3.1', () => {
    expect(ConnackReturnCode).toEqual({
      Accepted: 0,
      UnacceptableProtocolVersion: 1,
      IdentifierRejected: 2,
      ServerUnavailable: 3,
      BadUserNameOrPassword: 4,
      NotAuthorized: 5,
    });
  });

  const MAPPED: Array<[number, number]> = [
    [ReasonCode.Success, 0],
    [ReasonCode.UnsupportedProtocolVersion, 1],
    [ReasonCode.ClientIdentifierNotValid, 2],
    [ReasonCode.ServerUnavailable, 3],
    [ReasonCode.ServerBusy, 3],
    [ReasonCode.QuotaExceeded, 3],
    [ReasonCode.BadUserNameOrPassword, 4],
    [ReasonCode.NotAuthorized, 5],
  ];
  it.each(MAPPED.map(([reason, returnCode]) => ({ hex: hex(reason), reason, returnCode })))(
    'maps $hex to $returnCode',
    ({ reason, returnCode }) => {
      expect(connackReturnCodeFor(reason)).toBe(returnCode);
    },
  );

  const UNMAPPED: number[] = [
    ReasonCode.UnspecifiedError,
    ReasonCode.MalformedPacket,
    ReasonCode.ProtocolError,
    ReasonCode.ImplementationSpecificError,
    ReasonCode.PacketTooLarge,
    ReasonCode.TopicNameInvalid,
    0x8a, // Banned: not in the table
    0x42,
  ];
  it.each(UNMAPPED.map((reason) => ({ hex: hex(reason), reason })))(
    'is null for $hex: 3.1.1 has no return code, close without CONNACK [MQTT-3.2.2-6]',
    ({ reason }) => {
      expect(connackReturnCodeFor(reason)).toBeNull();
    },
  );
});
