"""Connects, subscribes, prints every message, and disconnects cleanly after --count messages.

  sub.py --port P --client-id ID [--clean-session 0] [--subscribe FILTER QOS ...] [--count N]

Prints "ready" once subscribed (or right after CONNACK without --subscribe). Messages that arrive
before the SUBACK (a resumed session's queue) are counted too.
"""
from pahocommon import Peer, base_parser, emit


def main():
    p = base_parser(__doc__)
    p.add_argument("--subscribe", nargs=2, action="append", default=[], metavar=("FILTER", "QOS"))
    p.add_argument("--count", type=int, default=0, help="messages to wait for before disconnecting")
    args = p.parse_args()
    peer = Peer(args)
    peer.connect()
    if args.subscribe:
        peer.client.subscribe([(f, int(q)) for f, q in args.subscribe])
        peer.loop_until(lambda: peer.suback is not None, "SUBACK")
    emit("ready")
    peer.loop_until(lambda: len(peer.messages) >= args.count, "%d messages" % args.count)
    peer.disconnect()
    emit("done", received=len(peer.messages))


if __name__ == "__main__":
    main()
