#!/usr/bin/env bash
# Smoke test of the base install, as a user gets it: a fresh venv with `pip install .` alone (no test or st extras),
# then the README's example question from the CLI and the web page with its /ask API, on a fresh library.
# The test venv brings scipy, torch and more through its extras, so only this catches a missing base dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 BUDGETQA_HOME="$work/library"

echo "smoke: 在全新虚拟环境中只安装基础包（pip install .）…"
started=$(date +%s)
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip --disable-pip-version-check -q install . 2>&1 | grep -v "is ignored: it is neither" || true
for extra in torch sentence_transformers pytest; do
  if "$work/venv/bin/python" -c "import $extra" 2>/dev/null; then
    echo "smoke: 基础安装不应带有 $extra" >&2
    exit 1
  fi
done
echo "smoke: 安装用时 $(( $(date +%s) - started )) s"

answer=$("$work/venv/bin/budgetqa" ask "公务接待费增长多少？" --json)
echo "$answer" | "$work/venv/bin/python" -c '
import json, sys
a = json.load(sys.stdin)
assert not a["refused"], a["answer"]
assert a["value"] is not None and a["unit"] and a["citations"], a
print("smoke: ask ->", a["answer"].splitlines()[0])
'

port=$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$work/venv/bin/budgetqa" serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
"$work/venv/bin/python" - "$port" <<'PY'
import json, sys, time, urllib.request

port = sys.argv[1]
url = f"http://127.0.0.1:{port}/"
deadline = time.monotonic() + 180
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as page:
            assert page.status == 200 and "预算问答" in page.read().decode("utf-8", "replace")
        break
    except OSError:
        if time.monotonic() > deadline:
            raise SystemExit("smoke: 网页在 180 秒内没有启动")
        time.sleep(1)
from gradio_client import Client

answer = Client(url, verbose=False).predict(question="公务接待费增长多少？", api_name="/ask")
data = json.loads(answer) if isinstance(answer, str) else answer
assert data["value"] is not None and not data["refused"], data
print("smoke: serve + /ask ->", data["answer"].splitlines()[0])
PY
echo "smoke: 基础安装可以回答和提供网页"
