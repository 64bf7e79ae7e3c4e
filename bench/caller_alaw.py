"""Writes the load callers' voice: 7 s of a 1 kHz tone as raw A-law (G.711), which SIPp streams
with `rtp_stream` from ordinary UDP sockets. (`play_pcap_audio` sends through a raw socket per
call, and every UDP datagram delivered on the machine is then matched against each of them: a
cost that grows with the square of the calls and lands on whoever sends, the server included.)
Usage: python3 bench/caller_alaw.py OUT.alaw"""
import math
import sys


def alaw(x):
    sign = 0x80 if x >= 0 else 0
    m = min(abs(x), 32767) >> 3
    seg = max(m.bit_length() - 5, 0)
    v = (seg << 4) | ((m >> (seg if seg else 1)) & 0x0F)
    return (v | sign) ^ 0x55


tone = (int(8000 * math.sin(2 * math.pi * 1000 * i / 8000)) for i in range(56000))
with open(sys.argv[1], "wb") as out:
    out.write(bytes(alaw(x) for x in tone))
