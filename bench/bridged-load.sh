#!/usr/bin/env bash
# Bridged-call load run: a release hotline-server; AGENTS headless agents run as `--sessions`
# of PROCS agent-tui processes (each session a real WebSocket log-in and WebRTC leg, speaking a
# 600 Hz tone, answering 0.2 s after the offer and hanging up HOLD_S seconds after answering);
# SIPp callers into 12345 at RATE calls/s, CALLS in all, at most LIMIT (default AGENTS) at once,
# each replaying a G.711 recording as its voice until the agent hangs up. Every answered call
# is recorded in stereo. Prints SIPp totals, peak concurrent calls, CPU and memory at peak of
# the server, the agent processes and SIPp, late frames, calls the agents took, recordings.
# Usage: bench/bridged-load.sh AGENTS RATE CALLS HOLD_S [PROCS] [LIMIT]
# Binaries: HOTLINE_BIN / AGENT_BIN (default target/release/…; built if missing). LOAD_AGENT=str0m
# runs the cheap str0m load agents (target/release/load-agents, crate hotline-e2e) instead of
# agent-tui, with the same flags and output; so does an AGENT_BIN named load-agents. AGENT_NICE /
# SIPP_NICE run the load agents / SIPp at a lower priority, so the server gets the CPU first.
# KEEP=DIR keeps the run's files (logs, agents.out, per-second samples) in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-20}; rate=${2:-2}; calls=${3:-100}; hold=${4:-10}; procs=${5:-1}; limit=${6:-$agents}
server=${HOTLINE_BIN:-target/release/hotline-server}
if [ "${LOAD_AGENT:-}" = str0m ]; then
  agent=${AGENT_BIN:-target/release/load-agents}
else
  agent=${AGENT_BIN:-target/release/agent-tui}
fi
# agent-tui needs --headless; load-agents is always headless (and ignores the flag).
if [ "$(basename "$agent")" = load-agents ]; then
  agent_mode=()
  [ -x "$agent" ] || cargo build --release -p hotline-e2e --bin load-agents
else
  agent_mode=(--headless)
  [ -x "$agent" ] || cargo build --release -p agent-tui
fi
[ -x "$server" ] || cargo build --release -p hotline-server
# A thousand sessions hold a thousand TCP and UDP sockets; SIPp opens sockets per RTP stream.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
work=$(mktemp -d); pids=()
# The callers' voice, streamed by SIPp from ordinary UDP sockets (see bench/caller_alaw.py).
python3 bench/caller_alaw.py "$work/caller.alaw"
sed "s#CALLER_AUDIO#$work/caller.alaw#" bench/uac_agent.xml >"$work/uac_agent.xml"
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
    add "$p" "$i"
  done
done
echo "accounts: $(sqlite3 "$work/data/hotline.db" "select count(*) from users where name like 'load%'") in $(( $(date +%s) - t0 )) s"

t0=$(date +%s); apids=()
for p in $(seq 1 "$procs"); do
  ${AGENT_NICE:+nice -n "$AGENT_NICE"} "$agent" "${agent_mode[@]}" --sessions "$(count "$p")" --server ws://127.0.0.1:28080/ws \
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

# One sample a second of CPU (% of one core, from /proc/PID/stat over that second) and RSS of
# the server, the agent processes and SIPp, and the server's active calls.
cat >"$work/sample.py" <<'PY'
import json, os, sys, time, urllib.request
work, srv, agents = sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3].split(",")]
tick = os.sysconf("SC_CLK_TCK")
def stat(pids):
    cpu = rss = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            cpu += int(f[11]) + int(f[12]); rss += int(f[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return cpu, rss
def sipp():
    try:
        return [int(open(f"{work}/sipp.pid").read())]
    except (OSError, ValueError):
        return []
last, t = [stat([srv]), stat(agents), stat(sipp())], time.time()
while os.path.exists(f"/proc/{srv}"):
    time.sleep(1)
    now, t2 = [stat([srv]), stat(agents), stat(sipp())], time.time()
    try:
        act = json.load(urllib.request.urlopen("http://127.0.0.1:28080/metrics", timeout=2))["active_calls"]
    except Exception:
        act = 0
    row = [act]
    for (c0, _), (c1, r1) in zip(last, now):
        row += [max(c1 - c0, 0) / tick / (t2 - t) * 100, r1 / 2**20]
    print(" ".join(f"{x:.1f}" for x in row), flush=True)
    last, t = now, t2
PY
python3 "$work/sample.py" "$work" "$srv" "$(IFS=,; echo "${apids[*]}")" >"$work/samples" &
pids+=($!)
load0=$(cut -d" " -f1-3 /proc/loadavg)
before=$(curl -s 127.0.0.1:28080/metrics)
# UDP datagrams the kernel dropped for a full receive buffer (machine-wide).
rcvbuf() { awk '/^Udp:/ { if (n++) print $6 }' /proc/net/snmp; }
drops0=$(rcvbuf)
start=$(date +%s.%N)
${SIPP_NICE:+nice -n "$SIPP_NICE"} sipp 127.0.0.1:25060 -sf "$work/uac_agent.xml" -s 12345 -set caller 13800138000 \
  -i 127.0.0.1 -p 0 -r "$rate" -m "$calls" -l "$limit" -nostdin -timeout 1800s -max_socket 20000 \
  >"$work/sipp.out" 2>&1 &
echo $! >"$work/sipp.pid"; pids+=($!)
wait "$(cat "$work/sipp.pid")" || true
end=$(date +%s.%N)
sleep 3
after=$(curl -s 127.0.0.1:28080/metrics)
drops1=$(rcvbuf)
echo "load before the calls: $load0"
echo "agents=$agents procs=$procs rate=$rate calls=$calls hold_s=$hold limit=$limit wall_s=$(python3 -c "print(round($end-$start,1))")"
grep -E "Successful call|Failed call" "$work/sipp.out" | tail -2 || tail -5 "$work/sipp.out"
python3 - "$work/samples" <<'PY'
import sys
rows = [[float(x) for x in l.split()] for l in open(sys.argv[1]) if len(l.split()) == 7]
col = lambda i: [r[i] for r in rows] or [0.0]
# CPU: the mean of the 5 busiest seconds (one second alone is noisy) and the single peak.
top = lambda i: sum(sorted(col(i))[-5:]) / len(sorted(col(i))[-5:])
print(f"peak concurrent calls={max(col(0)):.0f}")
# The first seconds: every agent logged in with its leg up, no call connected yet.
idle = rows[:3] or [[0.0] * 7]
print(f"before the first call: server cpu%={sum(r[1] for r in idle) / len(idle):.0f} "
      f"rss_MiB={idle[0][2]:.1f}; agents cpu%={sum(r[3] for r in idle) / len(idle):.0f} rss_MiB={idle[0][4]:.1f}")
for name, i in (("server", 1), ("agents", 3), ("sipp", 5)):
    print(f"{name}: cpu% top-5s mean={top(i):.0f} peak={max(col(i)):.0f}  peak rss_MiB={max(col(i + 1)):.1f}")
PY
python3 - "$before" "$after" <<'PY'
import sys, json
b, a = (json.loads(x) for x in sys.argv[1:3])
late = a["rtp_frames_late"] - b["rtp_frames_late"]; sent = a["rtp_frames_sent"] - b["rtp_frames_sent"]
print(f"late frames={late} / {sent} ({100 * late / max(sent, 1):.3f} %)")
PY
echo "UDP receive-buffer drops, machine-wide (SIPp never reads the RTP sent to its callers): $(( drops1 - drops0 ))"
echo "metrics: $after"
echo "agent calls: $(grep -c ': call ' "$work/agents.out" || true) (silent: $(grep -c ' heard=0/' "$work/agents.out" || true))"
echo "recordings: $(sqlite3 "$work/data/hotline.db" "select count(*) from recordings where kind='call'")"
echo "cdrs: $(sqlite3 "$work/data/hotline.db" "select count(*), sum(talk_ms > 0) from cdrs")"
echo "agent legs lost: $(grep -c 'WebRTC leg \(disconnected\|failed\)' "$work/agents.log" || true), other agent errors: $(grep -v -e ' ready$' -e ': offered ' -e 'WebRTC leg' "$work/agents.log" | grep -c . || true)"
echo "server closed agent legs: $(grep -c 'leg disconnected' "$work/server.log" || true) ($(grep -o 'reason=[a-z ]*' "$work/server.log" | sort | uniq -c | sort -rn | head -3 | tr -s ' ' | tr '\n' ';'))"
[ -n "${KEEP:-}" ] && cp -r "$work" "$KEEP" || true
