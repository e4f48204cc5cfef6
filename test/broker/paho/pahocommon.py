"""Shared code for the Paho (1.6.1, old callback API) test peers.

Every script prints one JSON object per line on stdout ({"event": ...}) and exits with
0 on success, 2 when the broker refused the connection, 3 on timeout.
"""
import argparse
import json
import sys
import time

import paho.mqtt.client as mqtt


def emit(event, **fields):
    fields["event"] = event
    print(json.dumps(fields), flush=True)


def base_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--transport", choices=["tcp", "websockets"], default="tcp")
    p.add_argument("--ws-path", default="/mqtt")
    p.add_argument("--client-id", default="")
    p.add_argument("--protocol", choices=["311", "5"], default="311")
    p.add_argument("--clean-session", type=int, choices=[0, 1], default=1,
                   help="3.1.1: clean_session; 5: clean_start")
    p.add_argument("--session-expiry", type=int, default=None, help="MQTT 5 session expiry interval")
    p.add_argument("--username", default=None)
    p.add_argument("--password", default=None)
    p.add_argument("--timeout", type=float, default=10.0, help="give up (exit 3) after this many seconds")
    return p


def reason_value(rc):
    """An int from a 3.1.1 int or an MQTT 5 ReasonCodes object."""
    return rc.value if hasattr(rc, "value") else int(rc)


def user_properties(properties):
    if properties is None or not hasattr(properties, "UserProperty"):
        return []
    return [list(kv) for kv in properties.UserProperty]


class Peer:
    """A Paho client driven by an explicit loop with a deadline (no background thread)."""

    def __init__(self, args):
        self.args = args
        self.deadline = time.monotonic() + args.timeout
        self.v5 = args.protocol == "5"
        if self.v5:
            self.client = mqtt.Client(client_id=args.client_id, protocol=mqtt.MQTTv5, transport=args.transport)
        else:
            self.client = mqtt.Client(client_id=args.client_id, clean_session=bool(args.clean_session),
                                      protocol=mqtt.MQTTv311, transport=args.transport)
        if args.transport == "websockets":
            self.client.ws_set_options(path=args.ws_path)
        if args.username is not None:
            self.client.username_pw_set(args.username, args.password)
        self.connack = None
        self.disconnected = False
        self.suback = None
        self.published = set()
        self.messages = []
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message

    # Callbacks: the 3.1.1 signatures plus an optional MQTT 5 properties argument.
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = reason_value(rc)
        emit("connect", rc=self.connack, session_present=int(flags.get("session present", 0)))

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnected = True
        emit("disconnect", rc=reason_value(rc))

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        self.suback = [reason_value(g) for g in granted]
        emit("subscribed", mid=mid, granted=self.suback)

    def _on_publish(self, client, userdata, mid):
        self.published.add(mid)

    def _on_message(self, client, userdata, msg):
        self.messages.append(msg)
        emit("message", topic=msg.topic, payload=msg.payload.decode("utf-8", "replace"), qos=msg.qos,
             retain=int(msg.retain), dup=int(msg.dup),
             user_properties=user_properties(getattr(msg, "properties", None)))

    def loop_until(self, done, what):
        while not done():
            if time.monotonic() > self.deadline:
                emit("timeout", waiting_for=what)
                sys.exit(3)
            rc = self.client.loop(timeout=0.05)
            if rc != mqtt.MQTT_ERR_SUCCESS and not done():
                # The connection is gone (refused CONNACK, or the broker closed it).
                if self.connack not in (None, 0):
                    sys.exit(2)
                emit("error", rc=rc, message=mqtt.error_string(rc), waiting_for=what)
                sys.exit(4)

    def connect(self):
        a = self.args
        if self.v5:
            from paho.mqtt.properties import Properties
            from paho.mqtt.packettypes import PacketTypes
            props = None
            if a.session_expiry is not None:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = a.session_expiry
            self.client.connect(a.host, a.port, keepalive=30, clean_start=bool(a.clean_session), properties=props)
        else:
            self.client.connect(a.host, a.port, keepalive=30)
        self.loop_until(lambda: self.connack is not None, "CONNACK")
        if self.connack != 0:
            sys.exit(2)

    def disconnect(self):
        self.client.disconnect()
        self.loop_until(lambda: self.disconnected, "the disconnect")
