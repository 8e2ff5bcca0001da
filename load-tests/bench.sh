#!/usr/bin/env bash
# Portcullis benchmark: wrk against the upstream directly, through nginx as a plain proxy, and
# through Portcullis (RS256 tokens rotating over 2000 tokens and 100 tenants), then Portcullis
# with rate limiting off / in-process / Redis. Appends a dated section to load-tests/RESULTS.md.
#
# Each server is warmed in 10 s wrk windows until two windows in a row agree within 5 % (at most
# 12): on a small machine the JIT needs about a minute under load before Portcullis runs at its
# steady speed, and a 5 s warm-up measured the compiler, not the gateway. The trajectory is
# recorded. Throughput and p99 are measured at saturation (-c connections, no pause); latency is
# also compared at equal offered load (every connection pauses PACE_MS between requests).
#
#   load-tests/bench.sh [--duration 20] [--connections 64] [--threads 2] [--only proxy|ratelimit]
#
# Loopback only, bounded in time: each wrk run lasts --duration seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DURATION=20 CONNECTIONS=64 THREADS=2 ONLY=all
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
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
NGINX_UP=0
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  # nginx daemonizes: stop it through its own pid file, or its workers outlive the run
  [ "$NGINX_UP" = 1 ] && nginx -c "$WORK/nginx.conf" -p "$WORK" -s quit 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

java -jar load-tests/target/portcullis-load-tests.jar "$WORK" 2000 100 https://idp.bench.local/ bench-api >/dev/null
export TOKENS_LUA=$WORK/tokens.lua

UP=$(free_port); NGX=$(free_port)
cat >"$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$UP; keepalive 128; }
  # the upstream every run targets: a fixed 200 with a small body
  server { listen 127.0.0.1:$UP; keepalive_requests 1000000; location / { return 200 "ok\n"; } }
  # nginx as a plain reverse proxy, the baseline
  server {
    listen 127.0.0.1:$NGX; keepalive_requests 1000000;
    location / {
      proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK"
NGINX_UP=1
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

start_portcullis() { # name extra-env...
  local name=$1; shift
  local port admin
  port=$(free_port); admin=$(free_port)
  env -i PATH="$PATH" HOME="$HOME" \
    PORTCULLIS_PORT="$port" PORTCULLIS_ADMIN_PORT="$admin" PORTCULLIS_ADMIN_HOST=127.0.0.1 \
    PORTCULLIS_UPSTREAM="http://127.0.0.1:$UP" \
    JWT_PUBLIC_KEYS_PEM="$(cat "$WORK/keys.json")" JWT_KEY_ID_CURRENT=bench-rs256 \
    PORTCULLIS_ISSUERS=https://idp.bench.local/ PORTCULLIS_AUDIENCES=bench-api \
    PORTCULLIS_AUTH_FAILURE_LIMIT=off PORTCULLIS_DATA_DIR="$WORK/data-$name" \
    "$@" java -Xms512m -Xmx512m -jar gateway/target/portcullis.jar >"$WORK/portcullis-$name.log" 2>&1 &
  PIDS+=($!)
  PC_PID=$!
  PC_PORT=$port
  wait_http "http://127.0.0.1:$admin/readyz" 200 60
}

declare -A WARMUP
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

# CPU time of a process in clock ticks (user + system), for CPU per request
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A CPU_US
measure_portcullis() { # name url
  local before after reqs
  before=$(ticks "$PC_PID")
  R[$1]=$(run_wrk "$1" "$2")
  after=$(ticks "$PC_PID")
  reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk-$1.txt")
  CPU_US[$1]=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$reqs" \
    'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
}
PACE_MS=${PACE_MS:-10}
paced() { # name url: latency at equal offered load
  PACE_MS=$PACE_MS run_wrk "$1" "$2"
}

declare -A R
if [ "$ONLY" = all ] || [ "$ONLY" = proxy ]; then
  warm direct "http://127.0.0.1:$UP/bench"; R[direct]=$(run_wrk direct "http://127.0.0.1:$UP/bench")
  warm nginx "http://127.0.0.1:$NGX/bench"; R[nginx]=$(run_wrk nginx "http://127.0.0.1:$NGX/bench")
  R[nginx_paced]=$(paced nginx-paced "http://127.0.0.1:$NGX/bench")
  start_portcullis proxy PORTCULLIS_RATE_LIMIT=1000000/s
  warm portcullis "http://127.0.0.1:$PC_PORT/bench"
  measure_portcullis portcullis "http://127.0.0.1:$PC_PORT/bench"
  R[portcullis_paced]=$(paced portcullis-paced "http://127.0.0.1:$PC_PORT/bench")
  kill "$PC_PID"; wait "$PC_PID" 2>/dev/null || true
fi
if [ "$ONLY" = all ] || [ "$ONLY" = ratelimit ]; then
  RPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  REDIS_PID=$!
  sleep 0.5
  start_portcullis rl-off PORTCULLIS_RATE_LIMIT=off
  warm rl_off "http://127.0.0.1:$PC_PORT/bench"; measure_portcullis rl_off "http://127.0.0.1:$PC_PORT/bench"
  kill "$PC_PID"; wait "$PC_PID" 2>/dev/null || true
  start_portcullis rl-local PORTCULLIS_RATE_LIMIT=1000000/s
  warm rl_local "http://127.0.0.1:$PC_PORT/bench"; measure_portcullis rl_local "http://127.0.0.1:$PC_PORT/bench"
  kill "$PC_PID"; wait "$PC_PID" 2>/dev/null || true
  start_portcullis rl-redis PORTCULLIS_RATE_LIMIT=1000000/s REDIS_URL="redis://127.0.0.1:$RPORT"
  warm rl_redis "http://127.0.0.1:$PC_PORT/bench"
  redis-cli -p "$RPORT" CONFIG RESETSTAT >/dev/null
  REDIS_BEFORE=$(ticks "$REDIS_PID")
  measure_portcullis rl_redis "http://127.0.0.1:$PC_PORT/bench"
  REDIS_AFTER=$(ticks "$REDIS_PID")
  redis-cli -p "$RPORT" INFO commandstats >"$WORK/redis-commandstats.txt"
  kill "$PC_PID"; wait "$PC_PID" 2>/dev/null || true
fi

# ---- report -----------------------------------------------------------------------------------
field() { echo "${R[$1]:-}" | awk -v f="$2" '{print $f}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || echo unknown)
{
  echo
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(git rev-parse --short HEAD 2>/dev/null || echo unversioned)"
  echo
  echo "Machine: $(nproc) cores ($CPU), $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)."
  echo "Everything (wrk, nginx, upstream, Portcullis, Redis) on the same machine over loopback."
  echo "Command: \`load-tests/bench.sh --duration $DURATION --connections $CONNECTIONS --threads $THREADS --only $ONLY\`"
  echo "(wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, 2000 RS256 tokens over 100 tenants rotating; each server warmed in 10 s windows until two agree within 5 %)."
  echo
  echo "| run | requests/s | p50 ms | p99 ms | non-2xx | Portcullis CPU µs/request | warm-up windows (requests/s) |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for k in direct nginx portcullis rl_off rl_local rl_redis; do
    [ -n "${R[$k]:-}" ] && echo "| $k | $(field "$k" 1) | $(field "$k" 2) | $(field "$k" 3) | $(field "$k" 4) | ${CPU_US[$k]:-} | ${WARMUP[$k]:-} |"
  done
  if [ -n "${R[portcullis]:-}" ]; then
    echo
    echo "- Portcullis / nginx throughput at saturation: **$(ratio "$(field portcullis 1)" "$(field nginx 1)")×** (target ≥ 0.5×)."
    echo "- p99 at saturation: Portcullis − nginx = **$(awk -v a="$(field portcullis 3)" -v b="$(field nginx 3)" 'BEGIN{printf "%.2f", a-b}') ms** (target ≤ 2 ms)."
    echo "- At equal offered load (each of $CONNECTIONS connections pauses ${PACE_MS} ms between requests): nginx $(field nginx_paced 1) requests/s, p50 $(field nginx_paced 2) ms, p99 $(field nginx_paced 3) ms; Portcullis $(field portcullis_paced 1) requests/s, p50 $(field portcullis_paced 2) ms, p99 $(field portcullis_paced 3) ms: p99 difference **$(awk -v a="$(field portcullis_paced 3)" -v b="$(field nginx_paced 3)" 'BEGIN{printf "%.2f", a-b}') ms**."
  fi
  if [ -n "${R[rl_redis]:-}" ]; then
    # Round trips are EVALSHA calls (one carries every decision of one event-loop pass); the
    # script's own GET/SET run inside Redis and appear in commandstats too, without a round trip.
    TRIPS=$(awk -F'[=,:]' '/^cmdstat_evalsha:/ {print $3}' "$WORK/redis-commandstats.txt")
    CMDS=$(awk -F'[=,:]' '/^cmdstat_/ {s+=$3} END {print s+0}' "$WORK/redis-commandstats.txt")
    REQS=$(awk '/requests in/ {print $1}' "$WORK/wrk-rl_redis.txt")
    echo "- Redis-backed / limiting off throughput: **$(ratio "$(field rl_redis 1)" "$(field rl_off 1)")×** (target ≥ 0.85×); in-process / off: $(ratio "$(field rl_local 1)" "$(field rl_off 1)")×."
    echo "- Redis server CPU per request (it shares the same cores): $(awk -v t=$((REDIS_AFTER - REDIS_BEFORE)) -v hz="$(getconf CLK_TCK)" -v n="$REQS" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }') µs; gateway CPU per request with Redis − without: $(( ${CPU_US[rl_redis]:-0} - ${CPU_US[rl_off]:-0} )) µs."
    echo "- Redis round trips per request (EVALSHA calls in INFO commandstats over the measured run; one call decides every request of one event-loop pass): **$(ratio "${TRIPS:-0}" "$REQS")** (${TRIPS:-0} / $REQS); commands executed per request including those inside the Lua script: $(ratio "$CMDS" "$REQS")."
  fi
} | tee -a load-tests/RESULTS.md
echo "raw output in $WORK"
