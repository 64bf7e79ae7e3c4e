#!/usr/bin/env bash
# Renders every prompt of prompts.tsv into zh/<name>.wav and en/<name>.wav: 8000 Hz, mono,
# 16-bit PCM, the format the media player streams as G.711 without resampling.
#
# Text to speech is the espeak-ng command (GPL; run ahead of time, never linked by the server).
# Mandarin uses the voice cmn-latn-pinyin: the plain `cmn` voice reads part of its own
# dictionary output as English. A text starting with `en:` / `zh:` is spoken with that
# language's voice instead (a menu offering the other language in its own voice). The prompt
# `beep` is a 1 kHz, 250 ms tone, not speech.
#
# Idempotent: files are only replaced when their content changes (sox runs without dither, so
# output is repeatable), and WAVs no longer listed in prompts.tsv are removed.
# Usage: assets/prompts/render.sh   (needs espeak-ng and sox)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
table="$here/prompts.tsv"
zh_voice=${ZH_VOICE:-cmn-latn-pinyin}
en_voice=${EN_VOICE:-en-us}
speed=${SPEED:-150}

die() { echo "render.sh: $*" >&2; exit 1; }
for tool in espeak-ng sox; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ -f $table ]] || die "missing $table"
espeak-ng --voices=cmn | grep -qi -- "$zh_voice" || die "espeak-ng has no voice $zh_voice"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$here/zh" "$here/en"

# Puts $1 (a freshly rendered file) at $2 unless identical.
install_wav() {
    if [[ -f $2 ]] && cmp -s "$1" "$2"; then
        return
    fi
    mv "$1" "$2"
    echo "rendered ${2#"$here"/}"
}

# speak <voice> <text> <out.wav>
speak() {
    espeak-ng -v "$1" -s "$speed" -w "$tmp/raw.wav" -- "$2" || die "espeak-ng failed on: $2"
    # Trim espeak's leading/trailing silence (keeps the files small), then a short pad.
    sox -D -V1 "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$3" \
        silence 1 0.02 0.2% reverse silence 1 0.02 0.2% reverse pad 0.05 0.1 \
        || die "sox failed on: $2"
}

# render <lang> <default voice> <text> <out.wav>
render() {
    local voice=$2 text=$3
    case $text in
        en:*) voice=$en_voice text=${text#en:} ;;
        zh:*) voice=$zh_voice text=${text#zh:} ;;
    esac
    speak "$voice" "$text" "$4"
}

declare -A seen=()
line=0
while IFS= read -r row || [[ -n $row ]]; do
    line=$((line + 1))
    [[ -z ${row//[[:space:]]/} || $row == \#* ]] && continue
    IFS=$'\t' read -r -a fields <<<"$row"
    [[ ${#fields[@]} -eq 3 ]] || die "prompts.tsv:$line: expected name<TAB>zh<TAB>en, got ${#fields[@]} fields"
    name=${fields[0]} zh=${fields[1]} en=${fields[2]}
    [[ $name =~ ^[a-z0-9_]+$ ]] || die "prompts.tsv:$line: bad prompt name '$name'"
    [[ -z ${seen[$name]:-} ]] || die "prompts.tsv:$line: duplicate prompt '$name'"
    [[ -n $zh && -n $en ]] || die "prompts.tsv:$line: empty text for '$name'"
    seen[$name]=1
    if [[ $name == beep ]]; then
        sox -D -V1 -n -r 8000 -c 1 -b 16 -e signed-integer "$tmp/beep.wav" synth 0.25 sine 1000 vol 0.5 \
            || die "sox failed on the beep"
        cp "$tmp/beep.wav" "$tmp/beep_en.wav"
        install_wav "$tmp/beep.wav" "$here/zh/beep.wav"
        install_wav "$tmp/beep_en.wav" "$here/en/beep.wav"
        continue
    fi
    render zh "$zh_voice" "$zh" "$tmp/zh.wav"
    install_wav "$tmp/zh.wav" "$here/zh/$name.wav"
    render en "$en_voice" "$en" "$tmp/en.wav"
    install_wav "$tmp/en.wav" "$here/en/$name.wav"
done <"$table"

[[ ${#seen[@]} -gt 0 ]] || die "prompts.tsv lists no prompts"

for f in "$here"/zh/*.wav "$here"/en/*.wav; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .wav)
    if [[ -z ${seen[$name]:-} ]]; then
        rm -- "$f"
        echo "removed stale ${f#"$here"/}"
    fi
done
echo "render.sh: ${#seen[@]} prompts in zh/ and en/"
