#pragma once
// The original (CompVis / Stability "sgm") names of a diffusers UNet's modules: `down_blocks.1.attentions.0`
// is `input_blocks.4.1`, `up_blocks.0.resnets.0.conv1` is `output_blocks.0.0.in_layers.2`, and so on, as
// diffusers' own conversion maps them. kohya's sd-scripts name SDXL LoRA modules this way
// (`lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k`), so the LoRA merge matches them through
// it. Torch-free.
#include <map>
#include <string>
#include <vector>

namespace easel::diffusion {

// For every module of the UNet whose weight names (diffusers naming, "….weight" and others) are given:
// diffusers module path → original module path. The layout (ResNets per level, which up levels have
// attentions) is read from the names themselves; modules without an original counterpart are left out.
std::map<std::string, std::string> original_unet_module_names(const std::vector<std::string>& weight_names);

}  // namespace easel::diffusion
