#!/usr/bin/env bash
# Bridged-call load run: a release hotline-server, AGENTS headless agent-tui sessions (each a real
# WebSocket + WebRTC leg, playing a 600 Hz voice, answering after 0.2 s and hanging up after
# HOLD_S seconds), and SIPp callers into 12345 at RATE calls/s, CALLS in all, each sending RTP.
# Every answered call is recorded in stereo. Prints SIPp totals, the server's CPU and memory at
# peak, late frames, and how many calls reached an agent.
# Usage: bench/bridged-load.sh AGENTS RATE CALLS HOLD_S
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-20}; rate=${2:-2}; calls=${3:-100}; hold=${4:-10}
server=${HOTLINE_BIN:-target/release/hotline-server}
agent=${AGENT_BIN:-target/release/agent-tui}
[ -x "$server" ] && [ -x "$agent" ] || cargo build --release -p hotline-server -p agent-tui
work=$(mktemp -d); pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/hotline.toml" <<TOML
[server]
max_calls = 5000
[media]
rtp_port_min = 20000
rtp_port_max = 60000
TOML
cfg=(--config "$work/hotline.toml" --data-dir "$work/data")
"$server" "${cfg[@]}" --sip-listen 127.0.0.1:25060 --api-listen 127.0.0.1:28080 >"$work/server.out" 2>"$work/server.log" &
srv=$!; pids+=($srv)
sleep 1.5
sox -n -r 8000 -c 1 -b 16 "$work/agent.wav" synth 10 sine 600 vol 0.3
for i in $(seq 1 "$agents"); do
  echo "load password $i" | "$server" "${cfg[@]}" user add "load$i" --role agent --password-stdin --skills general=5 >/dev/null
  "$agent" --headless --server ws://127.0.0.1:28080/ws --user "load$i" --password "load password $i" \
    --play "$work/agent.wav" --answer-after 0.2 --hangup-after "$hold" --calls 0 >>"$work/agents.out" 2>>"$work/agents.log" &
  pids+=($!)
done
sleep 5
( while kill -0 $srv 2>/dev/null; do ps -o %cpu=,rss= -p $srv; sleep 1; done ) >"$work/samples" &
pids+=($!)
sipp 127.0.0.1:25060 -sf bench/uac_agent.xml -s 12345 -set caller 13800138000 -i 127.0.0.1 -p 0 \
  -r "$rate" -m "$calls" -nostdin -timeout 900s >"$work/sipp.out" 2>&1 || true
sleep 3
echo "agents=$agents rate=$rate calls=$calls hold_s=$hold"
grep -E "Successful call|Failed call" "$work/sipp.out" | tail -2
python3 - "$work/samples" <<PY
import sys
rows=[l.split() for l in open(sys.argv[1]) if len(l.split())==2]
print(f"server peak cpu%={max(float(r[0]) for r in rows):.0f} peak rss_MiB={max(int(r[1]) for r in rows)/1024:.1f}")
PY
echo "metrics: $(curl -s 127.0.0.1:28080/metrics)"
echo "agent calls: $(grep -c '^call ' "$work/agents.out" || true)"
echo "recordings: $(sqlite3 "$work/data/hotline.db" "select count(*) from recordings where kind='call'")"
