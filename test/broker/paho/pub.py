"""Publishes messages and waits until each is acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP; QoS 0: sent).

  pub.py --port P [--transport websockets] --message TOPIC PAYLOAD QOS RETAIN [--message ...]
         [--user-property KEY VALUE ...]   (MQTT 5 only; added to every message)
"""
from pahocommon import Peer, base_parser, emit


def main():
    p = base_parser(__doc__)
    p.add_argument("--message", nargs=4, action="append", required=True, metavar=("TOPIC", "PAYLOAD", "QOS", "RETAIN"))
    p.add_argument("--user-property", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"))
    args = p.parse_args()
    peer = Peer(args)
    peer.connect()
    properties = None
    if args.user_property:
        from paho.mqtt.properties import Properties
        from paho.mqtt.packettypes import PacketTypes
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = [tuple(kv) for kv in args.user_property]
    mids = []
    for topic, payload, qos, retain in args.message:
        info = peer.client.publish(topic, payload, qos=int(qos), retain=retain in ("1", "true"), properties=properties)
        mids.append(info.mid)
        emit("publishing", topic=topic, payload=payload, qos=int(qos), mid=info.mid, rc=info.rc)
    # on_publish may run inside publish(), so compare sets once every mid is known.
    peer.loop_until(lambda: set(mids) <= peer.published, "every publish to be acknowledged")
    emit("published", count=len(mids))
    peer.disconnect()
    emit("done")


if __name__ == "__main__":
    main()
