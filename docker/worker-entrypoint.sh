#!/bin/sh
# Worker container entrypoint. Images built with WHISPER_MODEL carry whisper.cpp's whisper-server and one
# model under /opt/whisper: start it on loopback and point the worker's OpenAI-compatible backend at it.
# Then exec the command (the worker) so SIGTERM from `docker stop` reaches node's graceful shutdown.
#   WHISPER_SERVER=off        keep the bundled server off (e.g. to use the OpenAI API instead)
#   WHISPER_PORT=8080         its loopback port;  WHISPER_THREADS=N  its compute threads (default 4)
set -eu
cd "$(dirname "$0")/.."

log() {
  printf '{"level":30,"time":%s,"name":"worker-entrypoint","msg":"%s"}\n' "$(date +%s%3N)" "$1"
}

WHISPER_DIR="${WHISPER_DIR:-/opt/whisper}"
if [ -x "$WHISPER_DIR/bin/whisper-server" ] && [ "${WHISPER_SERVER:-on}" != "off" ]; then
  model="$(find "$WHISPER_DIR/models" -name 'ggml-*.bin' | head -n 1)"
  if [ -z "$model" ]; then
    log "no ggml model under $WHISPER_DIR/models"
    exit 1
  fi
  port="${WHISPER_PORT:-8080}"
  log "starting whisper-server with $(basename "$model") on 127.0.0.1:$port"
  # --convert: the server decodes uploads with ffmpeg, writing temp files in its working dir.
  # shellcheck disable=SC2086 # WHISPER_THREADS expands to two words or none on purpose
  (cd "${TMPDIR:-/tmp}" && exec "$WHISPER_DIR/bin/whisper-server" --host 127.0.0.1 --port "$port" \
    --model "$model" ${WHISPER_THREADS:+--threads $WHISPER_THREADS} \
    --inference-path /v1/audio/transcriptions --convert) &
  # It loads the model before it listens, so the first answer means ready.
  node docker/http-check.mjs "http://127.0.0.1:$port/" --wait "${WHISPER_START_TIMEOUT_SEC:-120}" --any-status
  log "whisper-server is ready; the worker transcribes through it"
  export TRANSCRIBER=openai
  export OPENAI_BASE_URL="http://127.0.0.1:$port/v1"
  # whisper-server checks no key, but the worker's openai backend requires one.
  export OPENAI_API_KEY="${OPENAI_API_KEY:-local-whisper}"
fi

exec "$@"
