#!/usr/bin/env bash
# Checks the explorer in a real terminal: generates two traces, runs the explorer under tmux (160x45), sends keys
# and checks the captured pane after each one. Exits non-zero on the first failure. Usage:
#   reports/explorer/tmux-check.sh [--save FILE]   (FILE receives one capture of the screen)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
save_path=""
if [[ "${1:-}" == "--save" ]]; then save_path="${2:?--save needs a file}"; fi
command -v tmux >/dev/null || { echo "tmux-check: tmux is not installed" >&2; exit 3; }

work_dir="$(mktemp -d)"
socket="explorer-check-$$"
session="explorer"
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  rm -rf "$work_dir"
}
trap cleanup EXIT

cd "$repo_root"
node --import tsx reports/explorer/write-trace.ts "$work_dir/a.jsonl" 20000 >/dev/null &
node --import tsx reports/explorer/write-trace.ts "$work_dir/b.jsonl" 20000 4321 >/dev/null
wait

tmux -L "$socket" new-session -d -s "$session" -x 160 -y 45 \
  "node --import tsx reports/explorer/main.ts '$work_dir/a.jsonl' --diff '$work_dir/b.jsonl'; echo \$? > '$work_dir/exit-code'; sleep 30"

capture() { tmux -L "$socket" capture-pane -p -t "$session"; }

# wait_for TEXT [STEP] [TENTHS]: polls the pane (by default up to 20 s) until it contains TEXT.
wait_for() {
  local text="$1" step="${2:-$1}" tenths="${3:-200}"
  for _ in $(seq 1 "$tenths"); do
    if capture | grep -qF -- "$text"; then echo "ok: $step"; return 0; fi
    sleep 0.1
  done
  echo "tmux-check FAILED at step '$step': screen does not contain '$text'. Screen:" >&2
  capture >&2
  exit 1
}

keys() { tmux -L "$socket" send-keys -t "$session" "$@"; }

# The first screen includes starting node with tsx and indexing both traces: allow a loaded machine a minute.
wait_for "first divergence at seq 4321" "opens at the first divergence" 600
wait_for '"divergent": true' "detail shows both records"
keys g;           wait_for "line 1/20000" "g: first event"
keys n;           wait_for "next fault" "n: next fault"
keys c;           wait_for "next checkpoint" "c: next checkpoint"
keys r;           wait_for "next recovery" "r: next recovery"
keys v;           wait_for '"kind": "violation"' "v: next violation"
keys t 2 5 0 0;   wait_for "jump to time (ms): 2500" "t: time prompt"
keys Enter;       wait_for "jumped to 2500 ms" "t Enter: jump to time"
keys /;           keys -l 'checkpoint.aborted'
keys Enter;       wait_for 'match for "checkpoint.aborted"' "/ Enter: search"
keys Escape;      wait_for "? help  q quit" "Esc: search done"
keys f;           wait_for "filter: process=jm" "f: process filter"
keys x;           wait_for "filters cleared" "x: clear filters"
keys g c F;       wait_for "follow which field" "F: choose a field to follow"
keys Enter;       wait_for "following checkpoint_id=" "F Enter: follow the checkpoint"
keys F;           wait_for "follow off" "F: stop following"
keys m;           wait_for "message traffic (send, deliver, drop, timer) hidden" "m: hide message traffic"
keys x;           wait_for "filters cleared" "x: clear filters"
if [[ -n "$save_path" ]]; then
  keys g c;       wait_for "next checkpoint" "c: a checkpoint to show"
  capture > "$save_path"; echo "saved screen to $save_path"
fi
keys '?';         wait_for "streamsim explore: keys" "?: help"
keys j;           wait_for "timeline" "help closes"
keys G;           wait_for "line 20000/20000" "G: last event"
keys D;           wait_for "divergence 1 at line 4322 of A" "D: back to the divergence"
keys w;           wait_for "side by side: divergence 1" "w: both traces aligned side by side"
keys w;           wait_for "timeline" "w: back to the list"
keys q
for _ in $(seq 1 50); do [[ -f "$work_dir/exit-code" ]] && break; sleep 0.2; done
exit_code="$(cat "$work_dir/exit-code" 2>/dev/null || echo missing)"
if [[ "$exit_code" != "0" ]]; then echo "tmux-check FAILED: explorer exit code $exit_code" >&2; exit 1; fi
if capture | grep -qF "streamsim explore"; then
  echo "tmux-check FAILED: the explorer's screen is still shown after quitting (alternate screen not left)" >&2
  exit 1
fi
echo "ok: q quits with exit code 0 and restores the terminal"

# The smallest supported terminal (80x24) lays out the whole screen; below it, the explorer says what it needs.
tmux -L "$socket" new-session -d -s small -x 80 -y 24 "node --import tsx reports/explorer/main.ts '$work_dir/a.jsonl'; sleep 30"
session=small
wait_for "opened at the first violation" "80x24: opens at the first violation" 600
wait_for "timeline" "80x24: timeline and list fit"
keys q
tmux -L "$socket" new-session -d -s tiny -x 70 -y 20 "node --import tsx reports/explorer/main.ts '$work_dir/a.jsonl'; sleep 30"
session=tiny
wait_for "needs a terminal of at least 80" "70x20: says what it needs" 600
keys q
echo "tmux-check passed"
