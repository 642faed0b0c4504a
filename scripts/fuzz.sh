#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in ./build-fuzz and runs each for N seconds
# (default 60) from a seed corpus of real files. Any crash fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Paths under the checkout are hashed relative to it, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR="$(pwd)"
root=$(pwd)
seconds="${1:-60}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEASEL_FUZZ=ON > /dev/null
ninja -C build-fuzz
photos=/usr/lib/python3/dist-packages/skimage/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/images" "$work/plans"
for f in coffee.png green_palette.png camera.png rocket.jpg; do cp "$photos/$f" "$work/images/"; done
./build/easel plan "increase the contrast, make the left half warmer, then crop to 16:9" --json > "$work/plans/seed.json" 2>/dev/null ||
  echo '{"steps": [{"op": "color.adjust", "params": {"contrast": 0.2}}]}' > "$work/plans/seed.json"

run_target() {
  local target=$1 corpus=$2 log="$work/$1.log"
  echo "fuzz: $target for ${seconds}s"
  if ! (cd "$work" && "$root/build-fuzz/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=4096 \
          -print_final_stats=1 "$corpus" > "$log" 2>&1); then
    echo "fuzz: $target failed:"
    grep -E -A30 'ERROR|terminate called|what\(\)' "$log" | head -60
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log"
}
run_target fuzz_decode_image "$work/images"
run_target fuzz_edit_plan "$work/plans"
mkdir -p "$work/instructions"
# Seeds: the instruction corpus, one file per line.
grep -v '^#' tests/data/instructions/corpus.jsonl | python3 -c '
import json, sys, pathlib
for i, line in enumerate(sys.stdin):
    pathlib.Path(sys.argv[1], f"{i}.txt").write_text(json.loads(line)["instruction"])' "$work/instructions"
run_target fuzz_planner "$work/instructions"
mkdir -p "$work/requests"
# Seeds: the first byte picks the reading (0 raw HTTP through the server's edge, 1 form fields, 2 job item
# JSON, 3 generations JSON, 4 generation settings, 5 variation form fields).
python3 - "$work/requests" <<'SEEDS'
import pathlib, sys
out = pathlib.Path(sys.argv[1])
def http(name, head, body=b""):
    (out / name).write_bytes(b"\x00" + b"\r\n".join(head) + b"\r\n\r\n" + body)
form = (b'--XyZ\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nmake it warmer\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n')
http("http_multipart", [b"POST /v1/images/edits HTTP/1.1", b"Host: 127.0.0.1", b"Authorization: Bearer sk-fuzz-key-1",
     b"Content-Type: multipart/form-data; boundary=XyZ", b"Content-Length: %d" % len(form)], form)
job = b'{"prompt": "brighten", "n": 1}'
http("http_chunked", [b"POST /v1/jobs HTTP/1.1", b"Host: 127.0.0.1", b"authorization: bearer sk-fuzz-key-1", b"Idempotency-Key: shoot-42",
     b"Content-Type: application/json", b"Transfer-Encoding: chunked"], b"%x\r\n%s\r\n0\r\n\r\n" % (len(job), job))
deep = b"[" * 80 + b"]" * 80
http("http_deep", [b"POST /v1/images/generations HTTP/1.1", b"Host: 127.0.0.1", b"Idempotency-Key: caf\xc3\xa9-\xff",
     b"Content-Type: application/json", b"Content-Length: %d" % len(deep)], deep)
http("http_bad_utf8_field", [b"POST /v1/images/variations HTTP/1.1", b"Authorization: Bearer sk-fuzz-key-1", b"Authorization: Bearer x",
     b"Content-Type: multipart/form-data; boundary=XyZ", b"Transfer-Encoding: chunked"],
     b"%x\r\n%s\r\n0\r\n\r\n" % (len(form), form.replace(b"prompt", b"pr\xffmpt")))
import gzip
bomb = gzip.compress(b'{"prompt": "' + b"a" * 100000 + b'"}')
http("http_gzip", [b"POST /v1/jobs HTTP/1.1", b"Content-Type: application/json", b"Content-Encoding: gzip",
     b"Content-Length: %d" % len(bomb)], bomb)
SEEDS
printf '\x01prompt=make it black and white\nmodel=gpt-image-1\nsize=512x512\nn=2\nquality=\xff\xfe\nimage=\x89PNG\n' > "$work/requests/form"
printf '\x02{"prompt": "increase the contrast", "image": "data:image/png;base64,iVBORw0KGgo=", "output_format": "webp", "plan": {"steps": [[[[]]]]}}' > "$work/requests/job"
printf '\x03{"prompt": "a red bicycle", "size": "64x64", "seed": 1234, "steps": "2", "guidance_scale": 7.5, "sampler": "euler"}' > "$work/requests/generate"
printf '\x04{"model": "sd-turbo", "seed": "7", "sampler": "lcm", "negative_prompt": "blur"}' > "$work/requests/settings"
printf '\x05prompt=a cat\nstrength=0.4\nseed=\xc3\x28\nimage=\x89PNG\n' > "$work/requests/variation"
run_target fuzz_image_request "$work/requests"
if [ -x build-fuzz/fuzz/fuzz_safetensors ]; then
  mkdir -p "$work/safetensors"
  reference="${EASEL_REFERENCE_DIR:-../shared/reference}"
  cp "$reference/sd/goldens/unet_sd1.safetensors" "$work/safetensors/" 2>/dev/null || true
  run_target fuzz_safetensors "$work/safetensors"
fi
echo "fuzz: no crashes"
