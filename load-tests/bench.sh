#!/usr/bin/env bash
# Portcullis benchmark: wrk against the upstream directly, through nginx as a plain proxy, and
# through Portcullis (RS256 tokens rotating over 2000 tokens and 100 tenants), then Portcullis
# with rate limiting off / in-process / Redis. Appends a dated section to load-tests/RESULTS.md.
#
# Every server runs for the whole benchmark. Each is warmed in 10 s wrk windows until two windows
# in a row agree within 5 % (at most 12): on a small machine the JIT needs about a minute under
# load before Portcullis runs at its steady speed. Then --rounds rounds measure every server for
# --duration seconds each, one after the other, in an order that rotates per round: a ratio is
# taken within each round (the servers it compares ran seconds apart) and the report gives the
# median ratio and its range. On a shared machine whose speed drifts by ±15 % over minutes, the
# earlier one-server-after-another runs could put the drift into the ratio (see RESULTS.md).
# Throughput and p99 are measured at saturation (-c connections, no pause); latency is also
# compared at equal offered load (every connection pauses PACE_MS between requests).
#
#   load-tests/bench.sh [--duration 10] [--rounds 6] [--paced-rounds 3] [--connections 64]
#                       [--threads 2] [--only proxy|ratelimit]
#
# Loopback only, bounded in time: each wrk run lasts --duration seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DURATION=10 ROUNDS=6 PACED_ROUNDS=3 CONNECTIONS=64 THREADS=2 ONLY=all
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --paced-rounds) PACED_ROUNDS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq -o DPkg::Lock::Timeout=300
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
      wrk nginx-light redis-tools redis-server >/dev/null
  fi
}
need wrk nginx redis-cli redis-server

if [ ! -f gateway/target/portcullis.jar ] || [ ! -f load-tests/target/portcullis-load-tests.jar ]; then
  ./mvnw -q -B -DskipTests package
fi

# shellcheck source=scripts/gateway.sh
. load-tests/scripts/gateway.sh
wait_http() { # url expected-status seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = "$2" ] && return 0
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2; return 1
}

WORK=$ROOT/load-tests/out/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$WORK"
PIDS=()
trap cleanup EXIT

java -jar load-tests/target/portcullis-load-tests.jar "$WORK" 2000 100 https://idp.bench.local/ bench-api >/dev/null
export TOKENS_LUA=$WORK/tokens.lua

start_nginx
wait_http "http://127.0.0.1:$UP/" 200 10

# wrk output → "rps p50_ms p99_ms"
run_wrk() { # name url
  local out=$WORK/wrk-$1.txt
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s load-tests/scripts/rotate-tokens.lua "$2" >"$out"
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 }
    /^ +50%/ { p50=ms($2) }
    /^ +99%/ { p99=ms($2) }
    /Non-2xx/ { non2xx=$NF }
    END { printf "%.0f %.2f %.2f %s\n", rps, p50, p99, (non2xx==""?0:non2xx) }' "$out"
}

start_portcullis() { # name extra-env...: started in the background, PORT[name] and PID[name] set
  local name=$1; shift
  local port admin
  port=$(free_port); admin=$(free_port)
  launch_gateway gateway/target/portcullis.jar "$name" "$port" "$admin" "" "$@"
  PIDS+=($!)
  PID[$name]=$!
  PORT[$name]=$port
  ADMIN[$name]=$admin
}

declare -A WARMUP PID PORT ADMIN
warm() { # name url: warm the JIT and the verified-token cache until throughput is steady
  local prev=0 r trail=""
  for _ in $(seq 1 12); do
    r=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s load-tests/scripts/rotate-tokens.lua "$2" \
      | awk '/Requests\/sec/ {printf "%.0f", $2}')
    trail="$trail $r"
    if [ "$prev" -gt 0 ] && awk -v a="$r" -v b="$prev" 'BEGIN { exit !(a > b * 0.95 && a < b * 1.05) }'; then
      break
    fi
    prev=$r
  done
  WARMUP[$1]=$trail
}

HZ=$(getconf CLK_TCK)

# One window of one server: appends "round name rps p50 p99 non2xx cpu_us redis_us" to ROUNDS_TXT
ROUNDS_TXT=$WORK/rounds.txt
PACED_TXT=$WORK/paced.txt
: >"$ROUNDS_TXT"
: >"$PACED_TXT"
measure() { # round name url
  local pid=${PID[$2]:-} rpid=${REDIS_PID:-} before=0 after=0 rbefore=0 rafter=0 reqs line cpu=- rcpu=-
  [ -n "$pid" ] && before=$(ticks "$pid")
  [ "$2" = rl_redis ] && [ -n "$rpid" ] && rbefore=$(ticks "$rpid")
  line=$(run_wrk "$2-$1" "$3")
  [ -n "$pid" ] && after=$(ticks "$pid")
  [ "$2" = rl_redis ] && [ -n "$rpid" ] && rafter=$(ticks "$rpid")
  reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk-$2-$1.txt")
  [ -n "$pid" ] && cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$reqs" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
  [ "$2" = rl_redis ] && rcpu=$(awk -v t=$((rafter - rbefore)) -v hz="$HZ" -v n="$reqs" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  echo "$1 $2 $line $cpu $rcpu $reqs" >>"$ROUNDS_TXT"
}
PACE_MS=${PACE_MS:-10}
paced() { # name url: latency at equal offered load
  PACE_MS=$PACE_MS run_wrk "$1" "$2"
}

declare -A R URL
TARGETS=()
if [ "$ONLY" = all ] || [ "$ONLY" = proxy ]; then
  warm direct "http://127.0.0.1:$UP/bench"; R[direct]=$(run_wrk direct "http://127.0.0.1:$UP/bench")
  URL[nginx]="http://127.0.0.1:$NGX/bench"
  start_portcullis portcullis PORTCULLIS_RATE_LIMIT=1000000/s
  TARGETS+=(nginx portcullis)
fi
if [ "$ONLY" = all ] || [ "$ONLY" = ratelimit ]; then
  RPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  REDIS_PID=$!
  sleep 0.5
  start_portcullis rl_off PORTCULLIS_RATE_LIMIT=off
  start_portcullis rl_redis PORTCULLIS_RATE_LIMIT=1000000/s REDIS_URL="redis://127.0.0.1:$RPORT"
  TARGETS+=(rl_off rl_redis)
fi
for t in "${TARGETS[@]}"; do
  if [ -n "${PORT[$t]:-}" ]; then
    wait_http "http://127.0.0.1:${ADMIN[$t]}/readyz" 200 60
    URL[$t]="http://127.0.0.1:${PORT[$t]}/bench"
  fi
done
for t in "${TARGETS[@]}"; do warm "$t" "${URL[$t]}"; done
[ -n "${REDIS_PID:-}" ] && redis-cli -p "$RPORT" CONFIG RESETSTAT >/dev/null
n=${#TARGETS[@]}
for r in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((n - 1))); do
    t=${TARGETS[$(( (i + r - 1) % n ))]}
    measure "$r" "$t" "${URL[$t]}"
  done
done
[ -n "${REDIS_PID:-}" ] && redis-cli -p "$RPORT" INFO commandstats >"$WORK/redis-commandstats.txt"
if [ -n "${PORT[portcullis]:-}" ]; then
  # Latency at equal offered load, in --paced-rounds alternating pairs (one window is too noisy
  # on a shared machine): PACED_TXT gets "round target rps p50 p99".
  for r in $(seq 1 "$PACED_ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order="nginx portcullis"; else order="portcullis nginx"; fi
    for t in $order; do echo "$r $t $(paced "$t-paced-$r" "${URL[$t]}")" >>"$PACED_TXT"; done
  done
fi

# ---- report -----------------------------------------------------------------------------------
field() { echo "${R[$1]:-}" | awk -v f="$2" '{print $f}'; }
# median of column $2 over the rounds of target $1, printed with format $3 (default %.2f)
median() { awk -v t="$1" -v c="$2" '$2 == t && $c != "-" {print $c}' "$ROUNDS_TXT" | sort -g |
  awk -v f="${3:-%.2f}" '{v[NR]=$1} END { if (NR == 0) { print "n/a"; exit }
    printf f "\n", (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2 }'; }
# per-round ratio of target $1 to target $2 (requests/s): "median min max"
ratios() { awk -v a="$1" -v b="$2" '$2 == a {x[$1]=$3} $2 == b {y[$1]=$3}
  END { for (r in x) if (r in y && y[r] > 0) printf "%.3f\n", x[r]/y[r] }' "$ROUNDS_TXT" | sort -g |
  awk '{v[NR]=$1} END { if (NR == 0) { print "n/a n/a n/a"; exit }
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'; }
per_round() { awk -v t="$1" '$2 == t {printf "%s%s", sep, $3; sep=" "}' "$ROUNDS_TXT"; }
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || echo unknown)
{
  echo
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(git rev-parse --short HEAD 2>/dev/null || echo unversioned)"
  echo
  echo "Machine: $(nproc) cores ($CPU), $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)."
  echo "Everything (wrk, nginx, upstream, Portcullis, Redis) on the same machine over loopback."
  echo "Command: \`load-tests/bench.sh --duration $DURATION --rounds $ROUNDS --paced-rounds $PACED_ROUNDS --connections $CONNECTIONS --threads $THREADS --only $ONLY\`"
  echo "(wrk -t$THREADS -c$CONNECTIONS --latency, 2000 RS256 tokens over 100 tenants rotating; every server up for the whole run, warmed in 10 s windows until two agree within 5 %, then $ROUNDS rounds of one ${DURATION} s window per server in rotating order; medians over the rounds)."
  echo
  echo "| run | requests/s | p50 ms | p99 ms | non-2xx | Portcullis CPU µs/request | requests/s per round | warm-up windows (requests/s) |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  [ -n "${R[direct]:-}" ] && echo "| direct (once) | $(field direct 1) | $(field direct 2) | $(field direct 3) | $(field direct 4) |  |  | ${WARMUP[direct]:-} |"
  for k in "${TARGETS[@]}"; do
    echo "| $k | $(median "$k" 3 %.0f) | $(median "$k" 4) | $(median "$k" 5) | $(awk -v t="$k" '$2 == t {s+=$6} END {print s+0}' "$ROUNDS_TXT") | $(median "$k" 7 %.0f) | $(per_round "$k") | ${WARMUP[$k]:-} |"
  done
  if [ -n "${PORT[portcullis]:-}" ]; then
    read -r m lo hi <<<"$(ratios portcullis nginx)"
    echo
    echo "- Portcullis / nginx throughput at saturation, median of the per-round ratios: **${m}×** (range $lo–$hi over $ROUNDS rounds; target ≥ 0.5×)."
    echo "- p99 at saturation (medians): Portcullis − nginx = **$(awk -v a="$(median portcullis 5)" -v b="$(median nginx 5)" 'BEGIN{printf "%.2f", a-b}') ms** (target ≤ 2 ms)."
    paced_med() { awk -v t="$1" -v c="$2" '$2 == t {print $c}' "$PACED_TXT" | sort -g |
      awk '{v[NR]=$1} END { if (NR == 0) { print "n/a"; exit } printf "%.2f\n", (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2 }'; }
    PACED_DIFFS=$(awk '$2 == "nginx" {n[$1]=$5} $2 == "portcullis" {p[$1]=$5}
      END { for (r in p) if (r in n) printf "%.2f\n", p[r]-n[r] }' "$PACED_TXT" | sort -g)
    echo "- At equal offered load (each of $CONNECTIONS connections pauses ${PACE_MS} ms between requests; $PACED_ROUNDS alternating pairs of ${DURATION} s windows, medians): nginx $(paced_med nginx 3 | cut -d. -f1) requests/s, p50 $(paced_med nginx 4) ms, p99 $(paced_med nginx 5) ms; Portcullis $(paced_med portcullis 3 | cut -d. -f1) requests/s, p50 $(paced_med portcullis 4) ms, p99 $(paced_med portcullis 5) ms: p99 difference per pair $(echo $PACED_DIFFS | tr ' ' '/') ms, median **$(echo "$PACED_DIFFS" | awk '{v[NR]=$1} END { if (NR == 0) { print "n/a"; exit } printf "%.2f", (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2 }') ms** (target ≤ 2 ms)."
  fi
  if [ -n "${PORT[rl_redis]:-}" ]; then
    # Round trips are EVALSHA calls (one carries every decision of one event-loop pass); the
    # script's own GET/SET run inside Redis and appear in commandstats too, without a round trip.
    TRIPS=$(awk -F'[=,:]' '/^cmdstat_evalsha:/ {print $3}' "$WORK/redis-commandstats.txt")
    CMDS=$(awk -F'[=,:]' '/^cmdstat_/ {s+=$3} END {print s+0}' "$WORK/redis-commandstats.txt")
    REQS=$(awk '$2 == "rl_redis" {s+=$9} END {print s+0}' "$ROUNDS_TXT")
    read -r m lo hi <<<"$(ratios rl_redis rl_off)"
    echo "- Redis-backed / limiting off throughput, median of the per-round ratios: **${m}×** (range $lo–$hi over $ROUNDS rounds; target ≥ 0.85×)."
    echo "- Redis server CPU per request (it shares the same cores), median over the rounds: $(median rl_redis 8 %.1f) µs; gateway CPU per request with Redis − without (medians): $(awk -v a="$(median rl_redis 7)" -v b="$(median rl_off 7)" 'BEGIN{printf "%.0f", a-b}') µs."
    echo "- Redis round trips per request (EVALSHA calls in INFO commandstats over the measured rounds; one call decides every request of one event-loop pass): **$(awk -v a="${TRIPS:-0}" -v b="$REQS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')** (${TRIPS:-0} / $REQS); commands executed per request including those inside the Lua script: $(awk -v a="$CMDS" -v b="$REQS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')."
  fi
} | tee -a load-tests/RESULTS.md
echo "raw output in $WORK (rounds.txt: round target rps p50 p99 non2xx cpu_us redis_us requests; paced.txt: round target rps p50 p99 non2xx)"
