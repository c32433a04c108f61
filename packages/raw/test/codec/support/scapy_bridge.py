"""The scapy side of the codec cross-checks (Debian's python3-scapy under /usr/bin/python3).

Reads one JSON request on stdin, writes one JSON answer on stdout:
  {"op": "parse", "packets": [{"hex": ..., "link": "ethernet"|"ip"}]}
      -> for each packet scapy's fields, and the checksums scapy recomputes from scratch
  {"op": "generate", "count": N, "seed": S}
      -> N random-ish packets scapy built, as hex, with scapy's fields after dissecting them
Field names and shapes match the TypeScript snapshot() in fields.ts.
"""
import json
import random
import sys

from scapy.all import (ARP, Dot1AD, Dot1Q, Ether, ICMP, IP, IPOption, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, TCP, UDP, HBHOptUnknown, in6_chksum, raw)
from scapy.layers.inet6 import ICMPv6Unknown, _ICMPv6
from scapy.layers.ipsec import AH
from scapy.packet import bind_layers, split_layers

# scapy's AH leaves what follows it as Raw (it expects an SA to decrypt or verify): follow its
# next header like any other extension header. (Its binding of next header 0 to IPv4 is IPv4's
# IPPROTO_IP; in IPv6, 0 is hop-by-hop.)
split_layers(AH, IP, nh=0)
for _cls, _nh in [(UDP, 17), (TCP, 6), (ICMPv6Unknown, 58), (IPv6ExtHdrHopByHop, 0), (IPv6ExtHdrRouting, 43),
                  (IPv6ExtHdrFragment, 44), (IPv6ExtHdrDestOpt, 60), (AH, 51)]:
    bind_layers(AH, _cls, nh=_nh)

TCP_NAMES = {"MSS": "mss", "WScale": "windowScale", "SAckOK": "sackPermitted", "SAck": "sack", "Timestamp": "timestamp", "NOP": "nop"}


def opt_list(options, skip=(0, 1)):
    """Options as {type, data}; `skip`: the padding types (IPv6 Pad1/PadN; IPv4 EOL)."""
    out = []
    for o in options:
        b = raw(o)
        if b[0] in skip:
            continue
        if b[0] == 1:
            out.append({"type": 1, "data": []})
            continue
        out.append({"type": b[0], "data": list(b[2:2 + b[1]])})
    return out


def ext_fields(layer):
    if isinstance(layer, (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt)):
        kind = "hopByHop" if isinstance(layer, IPv6ExtHdrHopByHop) else "destination"
        return {"type": kind, "options": opt_list(layer.options)}
    if isinstance(layer, IPv6ExtHdrRouting):
        return {"type": "routing", "routingType": layer.type, "segmentsLeft": layer.segleft, "addresses": list(layer.addresses)}
    if isinstance(layer, IPv6ExtHdrFragment):
        return {"type": "fragment", "fragmentOffset": layer.offset, "moreFragments": bool(layer.m), "id": layer.id}
    if isinstance(layer, AH):
        return {"type": "ah", "spi": layer.spi, "seq": layer.seq, "icv": list(bytes(layer.icv or b"") + bytes(layer.padding or b""))}
    return None


def tcp_options(options):
    out = []
    for name, value in options:
        if name == "EOL":
            continue
        if name in TCP_NAMES:
            kind = TCP_NAMES[name]
            if kind == "mss":
                out.append({"kind": kind, "value": value})
            elif kind == "windowScale":
                out.append({"kind": kind, "shift": value})
            elif kind == "sack":
                out.append({"kind": kind, "blocks": [list(value[i:i + 2]) for i in range(0, len(value), 2)]})
            elif kind == "timestamp":
                out.append({"kind": kind, "value": value[0], "echo": value[1]})
            else:
                out.append({"kind": kind})
        else:
            out.append({"kind": "other", "type": int(name), "data": list(value)})
    return out


def recomputed(pkt, cls, field="chksum", proto=None):
    """The checksum scapy computes itself for layer `cls` (its field deleted, the packet rebuilt)."""
    layer = pkt[cls]
    if isinstance(layer.underlayer, AH):
        # scapy's post_build leaves the checksum null above AH; its in6_chksum walks AH fine.
        zeroed = layer.copy()
        setattr(zeroed, field, 0)
        value = in6_chksum(proto, layer, raw(zeroed))
        return 0xFFFF if value == 0 and cls is UDP else value
    copy = pkt.copy()
    delattr(copy[cls], field)
    return getattr(type(pkt)(raw(copy))[cls], field)


def fields(pkt):
    out = {}
    layer = pkt
    if isinstance(pkt, Ether):
        vlans = []
        tpid = pkt.type
        inner = pkt.payload
        while isinstance(inner, (Dot1Q, Dot1AD)):
            vlans.append({"tpid": tpid, "pcp": inner.prio, "dei": bool(inner.id), "vid": inner.vlan})
            tpid = inner.type
            inner = inner.payload
        out["ethernet"] = {"src": pkt.src, "dst": pkt.dst, "vlans": vlans, "type": tpid}
        layer = inner
    if isinstance(layer, ARP):
        out["arp"] = {"op": layer.op, "senderMac": layer.hwsrc, "senderIp": layer.psrc, "targetMac": layer.hwdst, "targetIp": layer.pdst,
                      "hardwareType": layer.hwtype, "protocolType": layer.ptype}
        return out
    if isinstance(layer, IP):
        out["ipv4"] = {"src": layer.src, "dst": layer.dst, "tos": layer.tos, "id": layer.id, "flags": int(layer.flags), "fragmentOffset": layer.frag,
                       "ttl": layer.ttl, "protocol": layer.proto, "totalLength": layer.len, "headerLength": layer.ihl * 4, "checksum": layer.chksum,
                       "options": opt_list(layer.options, skip=(0,)), "recomputed": recomputed(pkt, IP)}
        layer = layer.payload
    elif isinstance(layer, IPv6):
        exts = []
        ip6 = layer
        inner = layer.payload
        while True:
            e = ext_fields(inner)
            if e is None:
                break
            exts.append(e)
            inner = inner.payload
        out["ipv6"] = {"src": ip6.src, "dst": ip6.dst, "trafficClass": ip6.tc, "flowLabel": ip6.fl, "hopLimit": ip6.hlim, "payloadLength": ip6.plen,
                       "nextHeader": ip6.nh, "extensions": exts}
        layer = inner
    else:
        return out
    if isinstance(layer, UDP):
        out["payload"] = list(raw(layer)[8:])
        out["udp"] = {"srcPort": layer.sport, "dstPort": layer.dport, "length": layer.len, "checksum": layer.chksum, "recomputed": recomputed(pkt, UDP, proto=17)}
    elif isinstance(layer, TCP):
        out["payload"] = list(raw(layer)[layer.dataofs * 4:])
        out["tcp"] = {"srcPort": layer.sport, "dstPort": layer.dport, "seq": layer.seq, "ack": layer.ack, "flags": int(layer.flags), "window": layer.window,
                      "urgentPointer": layer.urgptr, "dataOffset": layer.dataofs, "checksum": layer.chksum, "options": tcp_options(layer.options),
                      "recomputed": recomputed(pkt, TCP, proto=6)}
    elif isinstance(layer, ICMP):
        b = raw(layer)
        out["payload"] = list(b[8:])
        out["icmp"] = {"type": layer.type, "code": layer.code, "id": int.from_bytes(b[4:6], "big"), "seq": int.from_bytes(b[6:8], "big"),
                       "checksum": layer.chksum, "recomputed": recomputed(pkt, ICMP)}
    elif isinstance(layer, _ICMPv6):
        b = raw(layer)
        out["payload"] = list(b[8:])
        # Some ICMPv6 classes name their fields differently: type, code and checksum from the bytes.
        out["icmpv6"] = {"type": b[0], "code": b[1], "id": int.from_bytes(b[4:6], "big"), "seq": int.from_bytes(b[6:8], "big"),
                         "checksum": int.from_bytes(b[2:4], "big"), "recomputed": recomputed_icmpv6(pkt, type(layer))}
    return out


def recomputed_icmpv6(pkt, cls):
    return recomputed(pkt, cls, "cksum", 58)


def rand_ipv6(r):
    return ":".join("%x" % r.randrange(0, 0x10000) for _ in range(8))


def rand_ipv4(r):
    return ".".join(str(r.randrange(0, 256)) for _ in range(4))


def rand_mac(r):
    return ":".join("%02x" % r.randrange(0, 256) for _ in range(6))


def generate(r):
    """One random-ish packet the way a scapy user builds it."""
    pkt = None
    link = r.choice(["ethernet", "ip"])
    if link == "ethernet":
        pkt = Ether(src=rand_mac(r), dst=rand_mac(r))
        for _ in range(r.choice([0, 0, 1, 2])):
            tag = r.choice([Dot1Q, Dot1AD])(prio=r.randrange(8), id=r.randrange(2), vlan=r.randrange(4096))
            pkt = pkt / tag
        if r.random() < 0.1:
            return link, pkt / ARP(op=r.choice([1, 2]), hwsrc=rand_mac(r), psrc=rand_ipv4(r), hwdst=rand_mac(r), pdst=rand_ipv4(r))
    if r.random() < 0.5:
        opts = []
        if r.random() < 0.3:
            opts = [IPOption(bytes([148, 4, 0, 0]))] if r.random() < 0.5 else [IPOption(bytes([7, 7, 4]) + bytes(4))]
        ip = IP(src=rand_ipv4(r), dst=rand_ipv4(r), tos=r.randrange(256), id=r.randrange(65536), flags=r.choice([0, 2]), ttl=r.randrange(256), options=opts)
        l4 = r.choice(["udp", "tcp", "icmp"])
    else:
        ip = IPv6(src=rand_ipv6(r), dst=rand_ipv6(r), tc=r.randrange(256), fl=r.randrange(1 << 20), hlim=r.randrange(256))
        for _ in range(r.choice([0, 0, 1, 2])):
            # No AH here: scapy's AH is made for its SecurityAssociation and fills in neither its
            # next header nor the checksums above it when built by hand (parsing it is fine).
            kind = r.choice(["hbh", "dst", "frag", "rt"])
            if kind == "hbh":
                ip = ip / IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=r.choice([0x3e, 0x1e, 0x07]), optdata=bytes(r.randrange(0, 6)))])
            elif kind == "dst":
                ip = ip / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x3e, optdata=bytes(r.randrange(0, 10)))])
            elif kind == "frag":
                ip = ip / IPv6ExtHdrFragment(id=r.randrange(1 << 32))
            elif kind == "rt":
                ip = ip / IPv6ExtHdrRouting(addresses=[rand_ipv6(r) for _ in range(r.randrange(0, 3))], segleft=0)
        l4 = r.choice(["udp", "tcp", "icmpv6"])
    if l4 == "udp":
        t = UDP(sport=r.randrange(65536), dport=r.randrange(65536))
    elif l4 == "tcp":
        choices = [("MSS", r.randrange(65536)), ("NOP", None), ("WScale", r.randrange(15)), ("SAckOK", b""),
                   ("Timestamp", (r.randrange(1 << 32), r.randrange(1 << 32))), ("SAck", (r.randrange(1 << 32), r.randrange(1 << 32)))]
        t = TCP(sport=r.randrange(65536), dport=r.randrange(65536), seq=r.randrange(1 << 32), ack=r.randrange(1 << 32), flags=r.randrange(512),
                window=r.randrange(65536), urgptr=r.randrange(65536), options=r.sample(choices, r.randrange(0, 4)))
    elif l4 == "icmp":
        t = ICMP(type=r.choice([0, 8]), id=r.randrange(65536), seq=r.randrange(65536))
    else:
        from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6EchoRequest
        t = r.choice([ICMPv6EchoRequest, ICMPv6EchoReply])(id=r.randrange(65536), seq=r.randrange(65536))
    data = Raw(bytes(r.randrange(256) for _ in range(r.randrange(0, 40))))
    whole = ip / t / data
    pkt = whole if pkt is None else pkt / whole
    return link, pkt


def main():
    req = json.load(sys.stdin)
    if req["op"] == "parse":
        out = []
        for p in req["packets"]:
            data = bytes.fromhex(p["hex"])
            if p["link"] == "ethernet":
                pkt = Ether(data)
            else:
                pkt = IP(data) if data[0] >> 4 == 4 else IPv6(data)
            out.append(fields(pkt))
        json.dump(out, sys.stdout)
    elif req["op"] == "generate":
        r = random.Random(req["seed"])
        out = []
        for _ in range(req["count"]):
            link, pkt = generate(r)
            data = raw(pkt)
            parsed = Ether(data) if link == "ethernet" else (IP(data) if data[0] >> 4 == 4 else IPv6(data))
            out.append({"hex": data.hex(), "link": link, "fields": fields(parsed)})
        json.dump(out, sys.stdout)


main()
