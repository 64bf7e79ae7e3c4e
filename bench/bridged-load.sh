#!/usr/bin/env bash
# Bridged-call load run: a release hotline-server; AGENTS headless agents run as `--sessions`
# of PROCS agent-tui processes (each session a real WebSocket log-in and WebRTC leg, speaking a
# 600 Hz tone, answering 0.2 s after the offer and hanging up HOLD_S seconds after answering);
# SIPp callers into 12345 at RATE calls/s, CALLS in all, at most LIMIT (default AGENTS) at once,
# each replaying a G.711 recording as its voice until the agent hangs up. Every answered call
# is recorded in stereo. Prints SIPp totals, peak concurrent calls, CPU and memory at peak of
# the server, the agent processes and SIPp, late frames, calls the agents took, recordings.
# Usage: bench/bridged-load.sh AGENTS RATE CALLS HOLD_S [PROCS] [LIMIT]
# Binaries: HOTLINE_BIN / AGENT_BIN (default target/release/…; built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-20}; rate=${2:-2}; calls=${3:-100}; hold=${4:-10}; procs=${5:-1}; limit=${6:-$agents}
server=${HOTLINE_BIN:-target/release/hotline-server}
agent=${AGENT_BIN:-target/release/agent-tui}
[ -x "$server" ] && [ -x "$agent" ] || cargo build --release -p hotline-server -p agent-tui
# A thousand sessions hold a thousand TCP and UDP sockets; SIPp opens sockets per RTP stream.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
work=$(mktemp -d); pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
# Room for every call: max_calls, RTP ports for every caller leg; the default `general` queue
# has no wait limit, so callers beyond the free agents wait rather than fail.
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

# Process p's sessions log in as load<p>_1, load<p>_2, … with "load password <i>".
per=$(( (agents + procs - 1) / procs ))
count() { local p=$1; echo $(( p < procs ? per : agents - per * (procs - 1) )); }
add() {
  echo "load password $2" | "$server" "${cfg[@]}" user add "load$1_$2" --role agent \
    --password-stdin --skills general=5 >/dev/null
}
t0=$(date +%s)
for p in $(seq 1 "$procs"); do
  for i in $(seq 1 "$(count "$p")"); do
    add "$p" "$i" &
    (( i % 2 )) || wait  # two at a time: one per core
  done
  wait
done
echo "accounts: $(sqlite3 "$work/data/hotline.db" "select count(*) from users where role='agent'") in $(( $(date +%s) - t0 )) s"

t0=$(date +%s); apids=()
for p in $(seq 1 "$procs"); do
  "$agent" --headless --sessions "$(count "$p")" --server ws://127.0.0.1:28080/ws \
    --user "load${p}_" --password "load password {n}" \
    --answer-after 0.2 --hangup-after "$hold" --calls 0 >>"$work/agents.out" 2>>"$work/agents.log" &
  apids+=($!); pids+=($!)
done
# Wait until every session is ready (or 10 minutes).
for _ in $(seq 1 600); do
  [ "$(grep -c ' ready$' "$work/agents.log" || true)" -ge "$agents" ] && break
  sleep 1
done
echo "agents ready: $(grep -c ' ready$' "$work/agents.log" || true) of $agents in $(( $(date +%s) - t0 )) s"
sleep 3

# One sample a second: server cpu% rss_KiB, active calls, agent processes' cpu% and rss, SIPp's.
(
  while kill -0 $srv 2>/dev/null; do
    s=$(ps -o %cpu=,rss= -p $srv | tr -s ' ')
    a=$(ps -o %cpu=,rss= -p "$(IFS=,; echo "${apids[*]}")" | awk '{c+=$1; r+=$2} END {print c+0, r+0}')
    sp=$(ps -o %cpu=,rss= -C sipp | awk '{c+=$1; r+=$2} END {print c+0, r+0}')
    act=$(curl -s 127.0.0.1:28080/metrics | python3 -c 'import sys,json; print(json.load(sys.stdin)["active_calls"])' 2>/dev/null || echo 0)
    echo "$s $act $a $sp"
    sleep 1
  done
) >"$work/samples" &
pids+=($!)
load0=$(cut -d" " -f1-3 /proc/loadavg)
before=$(curl -s 127.0.0.1:28080/metrics)
start=$(date +%s.%N)
${SIPP_NICE:+nice -n "$SIPP_NICE"} sipp 127.0.0.1:25060 -sf bench/uac_agent.xml -s 12345 -set caller 13800138000 \
  -i 127.0.0.1 -p 0 -r "$rate" -m "$calls" -l "$limit" -nostdin -timeout 1800s -max_socket 20000 \
  >"$work/sipp.out" 2>&1 || true
end=$(date +%s.%N)
sleep 3
after=$(curl -s 127.0.0.1:28080/metrics)
echo "load before the calls: $load0"
echo "agents=$agents procs=$procs rate=$rate calls=$calls hold_s=$hold limit=$limit wall_s=$(python3 -c "print(round($end-$start,1))") load=$(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "Successful call|Failed call" "$work/sipp.out" | tail -2 || tail -5 "$work/sipp.out"
python3 - "$work/samples" <<PY
import sys
rows=[[float(x) for x in l.split()] for l in open(sys.argv[1]) if len(l.split())==7]
col=lambda i: [r[i] for r in rows] or [0]
print(f"peak concurrent calls={max(col(2)):.0f}")
print(f"server: peak cpu%={max(col(0)):.0f} peak rss_MiB={max(col(1))/1024:.1f}")
print(f"agents: peak cpu%={max(col(3)):.0f} peak rss_MiB={max(col(4))/1024:.1f}")
print(f"sipp: peak cpu%={max(col(5)):.0f} peak rss_MiB={max(col(6))/1024:.1f}")
PY
python3 - "$before" "$after" <<'PY'
import sys, json
b, a = (json.loads(x) for x in sys.argv[1:3])
late = a["rtp_frames_late"] - b["rtp_frames_late"]; sent = a["rtp_frames_sent"] - b["rtp_frames_sent"]
print(f"late frames={late} / {sent} ({100 * late / max(sent, 1):.3f} %)")
PY
echo "metrics: $after"
echo "agent calls: $(grep -c ': call ' "$work/agents.out" || true) (silent: $(grep -c ' heard=0/' "$work/agents.out" || true))"
echo "recordings: $(sqlite3 "$work/data/hotline.db" "select count(*) from recordings where kind='call'")"
echo "cdrs: $(sqlite3 "$work/data/hotline.db" "select count(*), sum(talk_ms > 0) from cdrs")"
echo "agent errors: $(grep -vc -e ' ready$' -e ': offered ' "$work/agents.log" || true)"
[ -n "${KEEP:-}" ] && cp -r "$work" "$KEEP" || true
