#include "easel/diffusion/lora.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "easel/core/error.hpp"
#include "easel/model_files/original_unet_names.hpp"
#include "easel/diffusion/tensor_file.hpp"

namespace easel::diffusion {
namespace {

// The tensors of one module while a file is read.
struct Parts {
  LoraKey key;
  std::optional<std::string> down, up, alpha;
};

}  // namespace

LoraSet::LoraSet(const std::vector<LoraUse>& uses) {
  for (const LoraUse& use : uses) {
    if (!std::filesystem::is_regular_file(use.file)) {
      throw Error(ErrorKind::capability,
                  "LoRA file " + use.file.string() +
                      " not found: download it with `easel models pull ORG/REPO --file "
                      "FILE.safetensors`, or give the path of a .safetensors LoRA file",
                  "loras");
    }
    const SafetensorsFile file(use.file);
    const std::string name = use.file.string();
    std::map<std::tuple<LoraComponent, std::string>, Parts> modules;
    for (const auto& [tensor, info] : file.tensors()) {
      const std::optional<LoraKey> key = parse_lora_key(tensor);
      if (!key) {
        throw Error(ErrorKind::input,
                    "tensor '" + tensor + "' of " + name +
                        " is not a LoRA tensor (expected kohya `lora_unet_…`/`lora_te…` names, diffusers "
                        "`unet.….lora.down.weight`, or PEFT `….lora_A.weight`): is it a LoRA file?",
                    "loras");
      }
      Parts& parts = modules.try_emplace({key->component, key->module}, Parts{*key, {}, {}, {}}).first->second;
      (key->part == LoraPart::down ? parts.down : key->part == LoraPart::up ? parts.up : parts.alpha) = tensor;
    }
    if (modules.empty()) throw Error(ErrorKind::input, "LoRA file " + name + " holds no tensors", "loras");
    for (auto& [where, parts] : modules) {
      if (!parts.down || !parts.up) {
        throw Error(
            ErrorKind::input,
            "LoRA module '" + parts.key.module + "' of " + name + " has no " + (parts.down ? "up" : "down") + " tensor",
            "loras");
      }
      Module module;
      module.component = parts.key.component;
      module.module = parts.key.module;
      module.underscored = parts.key.underscored;
      module.down = read_tensor(file, *parts.down);
      module.up = read_tensor(file, *parts.up);
      if (parts.alpha) {
        const at::Tensor alpha = read_tensor(file, *parts.alpha);
        if (alpha.numel() != 1)
          throw Error(ErrorKind::input, "LoRA alpha '" + *parts.alpha + "' of " + name + " is not a single number",
                      "loras");
        module.alpha = alpha.item<double>();
        module.has_alpha = true;
      }
      const at::Tensor& down = module.down;
      const at::Tensor& up = module.up;
      if (down.dim() < 2 || up.dim() < 2 || up.size(1) != down.size(0) || up.numel() != up.size(0) * up.size(1)) {
        throw Error(ErrorKind::input,
                    "LoRA module '" + parts.key.module + "' of " + name + ": up " + c10::str(up.sizes()) +
                        " and down " + c10::str(down.sizes()) +
                        " do not multiply (up must be (out, rank[, 1, 1]), down (rank, in, …))",
                    "loras");
      }
      module.scale = use.scale;
      module.file = name;
      module.key = *parts.down;
      modules_.push_back(std::move(module));
    }
  }
}

at::Tensor LoraSet::delta(const Module& module, const at::Tensor& weight, const std::string& weight_name) {
  const std::int64_t rank = module.down.size(0);
  const at::Tensor product = at::mm(module.up.reshape({module.up.size(0), rank}), module.down.reshape({rank, -1}));
  if (product.size(0) != weight.size(0) || product.numel() != weight.numel()) {
    throw Error(ErrorKind::input,
                "LoRA module '" + module.module + "' of " + module.file + " changes '" + weight_name + "' of shape " +
                    c10::str(weight.sizes()) + " by an up·down product of shape " + c10::str(product.sizes()) +
                    ": the LoRA was made for another model family or size",
                "loras");
  }
  const double factor = module.scale * (module.has_alpha ? module.alpha / static_cast<double>(rank) : 1.0);
  return product.reshape(weight.sizes()) * factor;
}

void LoraSet::merge_into(Weights& weights, LoraComponent component) {
  // Every model load passes here: without a LoRA for this component there is nothing to look up.
  if (std::none_of(modules_.begin(), modules_.end(),
                   [&](const Module& module) { return module.component == component; }))
    return;
  std::vector<std::string>& changed = changed_[component];
  std::map<std::string, std::string> by_kohya_spelling;  // kohya's underscored module name → weight name
  const std::vector<std::string> names = weights.names();
  for (const std::string& name : names) {
    if (name.ends_with(".weight")) {
      const std::string module = name.substr(0, name.size() - 7);
      by_kohya_spelling.emplace(kohya_spelling(module), module);
    }
  }
  // kohya's SDXL files name UNet modules by their original names (input_blocks_4_1_…).
  if (component == LoraComponent::unet) {
    for (const auto& [module, original] : original_unet_module_names(names))
      by_kohya_spelling.emplace(kohya_spelling(original), module);
  }
  for (Module& module : modules_) {
    if (module.component != component) continue;
    std::string target = module.module;
    if (module.underscored) {
      const auto found = by_kohya_spelling.find(module.module);
      if (found == by_kohya_spelling.end()) continue;
      target = found->second;
    }
    const std::string weight_name = target + ".weight";
    if (!weights.contains(weight_name)) continue;
    const at::Tensor weight = weights.get(weight_name).to(at::kFloat);
    weights.add(weight_name, weight + delta(module, weight, weight_name));
    module.merged = true;
    if (std::find(changed.begin(), changed.end(), weight_name) == changed.end()) changed.push_back(weight_name);
  }
}

void LoraSet::check_every_module_merged() const {
  for (const Module& module : modules_) {
    if (module.merged) continue;
    throw Error(ErrorKind::input,
                "LoRA " + module.file + ": tensor '" + module.key + "' changes " +
                    lora_component_name(module.component) + " module '" + module.module +
                    "', which the model does not have: the LoRA was made for another model family",
                "loras");
  }
}

}  // namespace easel::diffusion
