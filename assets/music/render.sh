#!/usr/bin/env bash
# Renders the music on hold: a slow pentatonic phrase of soft sine tones, 8 kHz mono 16-bit.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
i=0
for f in 523 587 659 784 880 784 659 587 523 440 523 659; do
  sox -n -r 8000 -c 1 -b 16 "$tmp/n$(printf %02d $i).wav" synth 0.6 sine "$f" fade q 0.05 0.6 0.2 vol 0.25
  i=$((i+1))
done
sox "$tmp"/n*.wav -r 8000 -c 1 -b 16 hold.wav
