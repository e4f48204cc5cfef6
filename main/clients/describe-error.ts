// mqtt.js, socket and TLS errors → one readable sentence for the user (and the code that proves it).
import { reasonCodeName } from '../../shared/mqtt/reason-codes.js';

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3). */
const RETURN_CODES: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

const hex = (code: number) => `0x${code.toString(16).padStart(2, '0')}`;

/** "not authorized (0x87)" for MQTT 5, "not authorized (return code 5)" for 3.1.1. */
export function describeCode(code: number, protocolVersion: number): string {
  return protocolVersion === 5
    ? `${reasonCodeName(code)} (${hex(code)})`
    : `${RETURN_CODES[code] ?? 'unknown reason'} (return code ${code})`;
}

export interface ErrorContext {
  /** host:port being connected to. */
  address: string;
  protocolVersion: number;
  connectTimeoutMs: number;
  /** True while the CONNECT is unanswered: a numeric code then comes from the CONNACK. */
  connecting: boolean;
  /** mqtts or wss. */
  tls: boolean;
}

const TLS_SELF_SIGNED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);
const TLS_UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);

export function describeError(error: Error, ctx: ErrorContext): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') {
    return ctx.connecting
      ? `the broker refused the connection: ${describeCode(code, ctx.protocolVersion)}`
      : `${error.message} (${hex(code)})`;
  }
  switch (code) {
    case 'ECONNREFUSED': return `connection refused: nothing listens on ${ctx.address}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `host not found: ${ctx.address.replace(/:\d+$/, '')}`;
    case 'ETIMEDOUT': return `no answer from ${ctx.address} (timed out)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return `${ctx.address} cannot be reached from this machine`;
    case 'ECONNRESET':
      // A plain MQTT or HTTP server drops a TLS ClientHello as garbage.
      return ctx.tls && ctx.connecting
        ? `TLS handshake with ${ctx.address} failed — is that a TLS port?`
        : `the connection to ${ctx.address} was reset`;
    case 'EPIPE': return `the broker at ${ctx.address} closed the connection`;
    case 'CERT_HAS_EXPIRED': return 'TLS: the broker\'s certificate has expired';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `TLS: the broker's certificate is not for ${ctx.address.replace(/:\d+$/, '')}`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER': return `TLS handshake with ${ctx.address} failed — is that a TLS port?`;
  }
  if (typeof code === 'string' && TLS_SELF_SIGNED.has(code)) return 'TLS: self-signed certificate — tick allow self-signed to accept it';
  if (typeof code === 'string' && TLS_UNTRUSTED.has(code)) {
    return 'TLS: the certificate\'s issuer is not trusted — set its CA file or tick allow self-signed';
  }
  if (error.message === 'connack timeout') return `no CONNACK from ${ctx.address} within ${ctx.connectTimeoutMs} ms`;
  if (error.message === 'Keepalive timeout') return 'keep-alive timeout: the broker stopped answering';
  const http = /^Unexpected server response: (\d+)/.exec(error.message);
  if (http) return `WebSocket: the server answered HTTP ${http[1]} — check the host, port and path`;
  return error.message;
}
