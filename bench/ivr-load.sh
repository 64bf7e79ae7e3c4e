#!/usr/bin/env bash
# IVR load run: a release hotline-server on loopback, SIPp callers at RATE calls/s up to CALLS
# calls in all, each held HOLD_MS while the welcome plays and the caller sends RTP.
# Prints SIPp's totals, the server's CPU and memory at peak, and its late-frame counters.
# Usage: bench/ivr-load.sh RATE CALLS HOLD_MS [LIMIT]   (LIMIT = max simultaneous calls for SIPp)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-50}; calls=${2:-1000}; hold=${3:-5000}; limit=${4:-5000}
bin=${HOTLINE_BIN:-target/release/hotline-server}
[ -x "$bin" ] || cargo build --release -p hotline-server
work=$(mktemp -d); trap 'kill $srv 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/hotline.toml" <<TOML
[server]
max_calls = 5000
[media]
rtp_port_min = 20000
rtp_port_max = 60000
TOML
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# The callers' voice, streamed by SIPp from ordinary UDP sockets (see bench/caller_alaw.py).
python3 bench/caller_alaw.py "$work/caller.alaw"
sed "s#CALLER_AUDIO#$work/caller.alaw#" bench/uac_load.xml >"$work/uac_load.xml"
"$bin" --config "$work/hotline.toml" --data-dir "$work/data" --sip-listen 127.0.0.1:15060 --api-listen 127.0.0.1:18080 2>"$work/server.log" &
srv=$!
sleep 1
peak_cpu=0; peak_rss=0; peak_calls=0
(
  while kill -0 $srv 2>/dev/null; do
    read -r cpu rss < <(ps -o %cpu=,rss= -p $srv)
    m=$(curl -s 127.0.0.1:18080/metrics || true)
    echo "$cpu $rss $(echo "$m" | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["active_calls"])' 2>/dev/null || echo 0)"
    sleep 1
  done
) > "$work/samples" &
sampler=$!
start=$(date +%s.%N)
${SIPP_NICE:+nice -n "$SIPP_NICE"} sipp 127.0.0.1:15060 -sf "$work/uac_load.xml" -s 12345 -set caller 13800138000 -i 127.0.0.1 -p 0 \
  -r "$rate" -m "$calls" -l "$limit" -d "$hold" -nostdin -trace_stat -stf "$work/stat.csv" \
  -timeout 600s -max_socket 20000 >"$work/sipp.out" 2>&1 || true
end=$(date +%s.%N)
sleep 2
metrics=$(curl -s 127.0.0.1:18080/metrics)
kill $sampler 2>/dev/null || true
echo "rate=$rate calls=$calls hold_ms=$hold wall_s=$(python3 -c "print(round($end-$start,1))")"
grep -E "Successful call|Failed call" "$work/sipp.out" | tail -2 || tail -5 "$work/sipp.out"
python3 - "$work/samples" <<PY
import sys
rows=[l.split() for l in open(sys.argv[1]) if len(l.split())==3]
cpu=[float(r[0]) for r in rows]; rss=[int(r[1]) for r in rows]; act=[int(r[2]) for r in rows]
print(f"peak concurrent calls={max(act) if act else 0} peak cpu%={max(cpu) if cpu else 0:.0f} peak rss_MiB={max(rss)/1024 if rss else 0:.1f}")
PY
echo "metrics: $metrics"
echo "db: $(sqlite3 "$work/data/hotline.db" "select count(*), sum(end_cause='caller hangup') from cdrs" 2>/dev/null || echo n/a)"
