// $SYS/broker/... statistics, retained, refreshed every interval (names as Mosquitto publishes them).
import type { Broker } from './broker.js';

export const BROKER_VERSION = 'mqtt-workbench 0.1.0';

export function startSysTopics(broker: Broker, intervalSeconds: number): () => void {
  const publish = (topic: string, value: string | number) =>
    broker.publish({ topic: `$SYS/broker/${topic}`, payload: Buffer.from(String(value)), qos: 0, retain: true });
  const update = () => {
    const { stats } = broker;
    publish('version', BROKER_VERSION);
    publish('uptime', `${Math.floor((Date.now() - broker.startedAt) / 1000)} seconds`);
    publish('clients/connected', broker.connectedCount);
    publish('clients/total', broker.sessionCount);
    publish('clients/disconnected', broker.sessionCount - broker.connectedCount);
    publish('messages/received', stats.packetsReceived);
    publish('messages/sent', stats.packetsSent);
    publish('publish/messages/received', stats.publishReceived);
    publish('publish/messages/sent', stats.publishSent);
    publish('publish/messages/dropped', stats.publishDropped);
    publish('bytes/received', stats.bytesReceived);
    publish('bytes/sent', stats.bytesSent);
    publish('subscriptions/count', broker.subscriptionCount);
    publish('retained messages/count', broker.retained.size);
  };
  update();
  const timer = setInterval(update, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
