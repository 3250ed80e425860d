#!/bin/bash
# The Python anchor under the same load as 'emostream bench': a one-node broker (emostream's
# embedded one, its own service idle on other topics), bench/python_anchor.py consuming
# emostream.audio and writing emostream.emotions, and 'emostream bench --bootstrap-servers' driving
# it with real-time speakers.
#
#   bench/anchor.sh CHECKPOINT.pt STREAMS[,STREAMS...] [SECONDS]
#
# Needs: target/emostream.jar (mvn -DskipTests package), apt-get install python3-confluent-kafka
# python3-torch python3-torchaudio; CHECKPOINT is a models/train/train.py checkpoint (model.pt).
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKPOINT=${1:?usage: bench/anchor.sh CHECKPOINT.pt STREAMS[,...] [SECONDS]}
STREAMS=${2:?usage: bench/anchor.sh CHECKPOINT.pt STREAMS[,...] [SECONDS]}
SECONDS_PER_RUN=${3:-30}
PORT=${ANCHOR_PORT:-19092}
LOGS=$(mktemp -d /tmp/emostream-anchor-XXXX)
JAR=target/emostream.jar
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

java -jar "$JAR" run -s embedded.port="$PORT" -s application.id=anchor-idle -s topic.audio=anchor-idle.audio \
  -s topic.emotions=anchor-idle.emotions -s topic.dlq=anchor-idle.dlq --status-every-s 0 >"$LOGS/broker.log" 2>&1 &
PIDS+=($!)
until grep -q "emostream is running" "$LOGS/broker.log"; do sleep 0.5; done

/usr/bin/python3 - "$PORT" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": "127.0.0.1:" + sys.argv[1]})
for f in admin.create_topics([NewTopic(t, 4, 1) for t in ("emostream.audio", "emostream.emotions")]).values():
    f.result()
PY

/usr/bin/python3 bench/python_anchor.py --checkpoint "$CHECKPOINT" --bootstrap-servers "127.0.0.1:$PORT" \
  2>"$LOGS/anchor.log" &
PIDS+=($!)
until grep -q "assigned" "$LOGS/anchor.log"; do sleep 0.5; done

java -jar "$JAR" bench --bootstrap-servers "127.0.0.1:$PORT" --streams "$STREAMS" --seconds "$SECONDS_PER_RUN" \
  2> >(grep -v '^WARN' >&2) || true
echo "logs: $LOGS"
