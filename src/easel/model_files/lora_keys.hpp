#pragma once
// What each tensor of a LoRA file is for, read from its name alone. LoRA files come in three namings:
// kohya/A1111 (`lora_unet_<module>.lora_down.weight`, `lora_te_…`, `lora_te1_…`/`lora_te2_…` for
// SDXL's two text encoders, `<module>.alpha`), where the module is the diffusers module path written
// with '_' for '.'; diffusers ≤ 0.25 (`unet.<module>.lora.down.weight`,
// `text_encoder.<module>.lora_linear_layer.down.weight`, and the older attention-processor form
// `….processor.to_q_lora.down.weight`); and PEFT (`unet.<module>.lora_A.weight` = down, `lora_B` = up).
// Torch-free: the model catalog lists LoRA files with it, the engine merges them with it.
#include <map>
#include <optional>
#include <string>

#include "easel/model_files/safetensors.hpp"

namespace easel::diffusion {

enum class LoraComponent { unet, text_encoder, text_encoder_2 };
enum class LoraFormat { kohya, diffusers, peft };
enum class LoraPart { down, up, alpha };

const char* lora_component_name(LoraComponent component);  // "unet", "text_encoder", "text_encoder_2"
const char* lora_format_name(LoraFormat format);           // "kohya", "diffusers", "peft"

struct LoraKey {
  LoraFormat format;
  LoraComponent component;
  // The module the tensor changes: a diffusers module path
  // ("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"), or for kohya files that path with every '.' written
  // as '_' (underscored), which only the model's own names can turn back (kohya_spelling).
  std::string module;
  bool underscored = false;
  LoraPart part;
};

// The key's meaning, or nullopt when the name is no LoRA tensor of a supported naming. Tensors of LoRA
// variants that change weights another way (LoHa `hada_*`, LoKr `lokr_*`, DoRA `dora_scale`, Tucker
// `lora_mid`, full `diff` tensors) are Error(input) naming the key and the variant.
std::optional<LoraKey> parse_lora_key(const std::string& key);

// A module path in kohya's spelling: "down_blocks.0.attentions.0.proj_in" → "down_blocks_0_attentions_0_proj_in".
std::string kohya_spelling(const std::string& module_path);

// The naming of a file's LoRA tensors (that of the first one), or nullopt when it holds none: a model's
// file rather than a LoRA's. Throws as parse_lora_key does.
std::optional<LoraFormat> lora_file_format(const std::map<std::string, TensorInfo>& tensors);

}  // namespace easel::diffusion
