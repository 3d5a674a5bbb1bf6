#!/usr/bin/env bash
# Times /analytics/power-balance against a running compute-atlas server (127.0.0.1 only), as a
# ratio to /analytics/counties measured in the same run: warm (the same URL repeated) and with a
# changed parameter (?pue= different on every request, so the demand is recomputed, never cached).
# Usage: bench/power_balance.sh [URL_BASE] [N]   (defaults http://127.0.0.1:8080, 50)
set -euo pipefail
BASE=${1:-http://127.0.0.1:8080}
N=${2:-50}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_url() { curl -s -o /dev/null -w '%{time_total}\n' "$1"; }
run() { # name, url-producing command
  local name=$1; shift
  for _ in 1 2 3; do time_url "$("$@" 0)" >/dev/null; done
  local m
  m=$(for i in $(seq 1 "$N"); do time_url "$("$@" "$i")"; done | median)
  printf '{"kind":"power_balance","name":"%s","n":%s,"median_s":%s}\n' "$name" "$N" "$m"
  echo "$m" >"/tmp/power_balance_bench_$name"
}
peer() { echo "$BASE/analytics/counties?top=10000"; }
warm() { echo "$BASE/analytics/power-balance?level=county"; }
pue() { echo "$BASE/analytics/power-balance?level=county&pue=1.$(printf '%03d' $((100 + $1)))"; }
run counties_table peer
run balance_warm warm
run balance_pue pue
awk -v p="$(cat /tmp/power_balance_bench_counties_table)" -v w="$(cat /tmp/power_balance_bench_balance_warm)" \
    -v q="$(cat /tmp/power_balance_bench_balance_pue)" \
    'BEGIN {printf "{\"kind\":\"power_balance_ratio\",\"warm_over_counties\":%.3f,\"pue_over_counties\":%.3f}\n", w/p, q/p}'
