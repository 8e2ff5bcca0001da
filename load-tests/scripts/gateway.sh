# Shared by bench.sh and ab.sh (sourced, not run): ports, CPU ticks, the nginx upstream and
# baseline proxy, and one benchmark gateway.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU time of a process in clock ticks (user + system), for CPU per request
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# launch_gateway JAR NAME PORT ADMIN_PORT "JVM OPTIONS" [ENV=value ...]
# Starts one gateway in the background for the benchmark tokens of $WORK (keys.json), proxying
# to the nginx upstream on $UP; its output goes to $WORK/portcullis-NAME.log, its pid is $!.
launch_gateway() {
  local jar=$1 name=$2 port=$3 admin=$4 jvm=$5
  shift 5
  # shellcheck disable=SC2086 # JVM options are split on purpose
  env -i PATH="$PATH" HOME="$HOME" \
    PORTCULLIS_PORT="$port" PORTCULLIS_ADMIN_PORT="$admin" PORTCULLIS_ADMIN_HOST=127.0.0.1 \
    PORTCULLIS_UPSTREAM="http://127.0.0.1:$UP" \
    JWT_PUBLIC_KEYS_PEM="$(cat "$WORK/keys.json")" JWT_KEY_ID_CURRENT=bench-rs256 \
    PORTCULLIS_ISSUERS=https://idp.bench.local/ PORTCULLIS_AUDIENCES=bench-api \
    PORTCULLIS_AUTH_FAILURE_LIMIT=off PORTCULLIS_DATA_DIR="$WORK/data-$name" \
    "$@" java -Xms512m -Xmx512m $jvm -jar "$jar" >"$WORK/portcullis-$name.log" 2>&1 &
}

# start_nginx: picks $UP and $NGX and starts one nginx (config in $WORK/nginx.conf) serving the
# upstream every run targets on $UP and nginx as a plain reverse proxy to it, the baseline, on
# $NGX. nginx daemonizes: stop it with stop_nginx, or its workers outlive the run.
start_nginx() {
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
}

stop_nginx() { [ -f "$WORK/nginx.pid" ] && nginx -c "$WORK/nginx.conf" -p "$WORK" -s quit 2>/dev/null || true; }

# cleanup: stops every pid in PIDS and nginx; the scripts trap it on EXIT
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_nginx
  wait 2>/dev/null || true
}
