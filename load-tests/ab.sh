#!/usr/bin/env bash
# Paired A/B of two gateway builds: both jars run side by side against the same nginx upstream
# and are measured in alternating wrk windows (A B, then B A, ...), so the machine's drift falls
# on both alike. Prints every window and the medians, and the median of the per-pair ratios B/A.
#
#   load-tests/ab.sh A.jar B.jar [--rounds 8] [--duration 10] [--connections 64] [--threads 2]
#                    [-- ENV=value ...]
#
# ENV=value pairs after "--" go to both gateways (e.g. REDIS_URL=..., PORTCULLIS_TRANSPORT=nio).
# JOPTS_A / JOPTS_B add JVM options to one side (e.g. JOPTS_B=-XX:+UseParallelGC). Copy the jar
# of the "before" build away (cp gateway/target/portcullis.jar /tmp/before.jar) before building
# the "after" one. Loopback only; 4 warm-up windows per side, then 2 x --rounds windows.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
A=$(realpath "$1") B=$(realpath "$2"); shift 2
ROUNDS=8 DURATION=10 CONNECTIONS=64 THREADS=2 EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for jar in "$A" "$B"; do [ -f "$jar" ] || { echo "no such jar: $jar" >&2; exit 2; }; done
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    apt-get update -qq -o DPkg::Lock::Timeout=300
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 wrk nginx-light >/dev/null
    break
  fi
done
[ -f load-tests/target/portcullis-load-tests.jar ] || ./mvnw -q -B -DskipTests -pl load-tests -am package

WORK=$ROOT/load-tests/out/ab-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$WORK"
# shellcheck source=scripts/gateway.sh
. load-tests/scripts/gateway.sh
java -jar load-tests/target/portcullis-load-tests.jar "$WORK" 2000 100 https://idp.bench.local/ bench-api >/dev/null
export TOKENS_LUA=$WORK/tokens.lua

PIDS=()
trap cleanup EXIT
start_nginx

declare -A PORT PID
start() { # side jar jvm-options
  local port admin
  port=$(free_port); admin=$(free_port)
  launch_gateway "$2" "$1" "$port" "$admin" "$3" PORTCULLIS_RATE_LIMIT=1000000/s "${EXTRA[@]}"
  PIDS+=($!)
  PID[$1]=$!
  PORT[$1]=$port
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/readyz" || true)" = 200 ] && return 0
    sleep 0.1
  done
  echo "gateway $1 not ready; see $WORK/portcullis-$1.log" >&2
  exit 1
}
start A "$A" "${JOPTS_A:-}"
start B "$B" "${JOPTS_B:-}"

HZ=$(getconf CLK_TCK)
window() { # side -> "side requests/s cpu_us/request p99"
  local before after out
  before=$(ticks "${PID[$1]}")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s load-tests/scripts/rotate-tokens.lua "http://127.0.0.1:${PORT[$1]}/bench")
  after=$(ticks "${PID[$1]}")
  echo "$out" | awk -v s="$1" -v t=$((after - before)) -v hz="$HZ" '
    /requests in/ { n=$1 } /Requests\/sec/ { rps=$2 } /^ +99%/ { p99=$2 } /Non-2xx/ { bad=$NF }
    END { if (bad != "") { print "non-2xx answers: " bad > "/dev/stderr"; exit 1 }
          printf "%s %.0f %.1f %s\n", s, rps, t / hz * 1e6 / n, p99 }'
}
for _ in 1 2 3 4; do window A >/dev/null; window B >/dev/null; done
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then window A; window B; else window B; window A; fi
done | tee "$WORK/windows.txt"
awk '
  function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
                                     return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  $1 == "A" { na++; ra[na] = $2; ca[na] = $3 } $1 == "B" { nb++; rb[nb] = $2; cb[nb] = $3 }
  END {
    for (i = 1; i <= na && i <= nb; i++) q[i] = rb[i] / ra[i]
    lo = hi = q[1]; for (i = 1; i <= na && i <= nb; i++) { if (q[i] < lo) lo = q[i]; if (q[i] > hi) hi = q[i] }
    printf "A: median %.0f requests/s, %.1f us CPU/request\n", median(ra, na), median(ca, na)
    printf "B: median %.0f requests/s, %.1f us CPU/request\n", median(rb, nb), median(cb, nb)
    printf "B/A requests/s: median of %d per-pair ratios %.3f (range %.3f-%.3f)\n", na, median(q, na), lo, hi
  }' "$WORK/windows.txt"
echo "windows in $WORK/windows.txt (side requests/s cpu_us p99)"
