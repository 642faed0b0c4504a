#include "easel/diffusion/weights.hpp"

#include <regex>
#include <set>

#include "easel/core/error.hpp"
#include "easel/diffusion/safetensors.hpp"
#include "easel/diffusion/tensor_file.hpp"

namespace easel::diffusion {
namespace {

std::string shape_text(at::IntArrayRef shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + ")";
}

SafetensorsFile open_model_file(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    throw Error(ErrorKind::capability, "model file " + file.string() +
                                           " not found: download the model's .safetensors weights into the models folder");
  }
  return SafetensorsFile(file);
}

// Renames keys by ordered regular-expression rules; the first rule that matches wins.
struct RenameRule {
  std::regex pattern;
  std::string replacement;
};

std::string rename(const std::string& key, const std::vector<RenameRule>& rules) {
  for (const auto& rule : rules) {
    if (std::regex_search(key, rule.pattern)) return std::regex_replace(key, rule.pattern, rule.replacement);
  }
  return key;
}

// Names of a ResNet block's parts in the original checkpoints → diffusers.
const std::vector<RenameRule>& resnet_rules() {
  static const std::vector<RenameRule> rules = {
      {std::regex(R"(\.in_layers\.0\.)"), ".norm1."},         {std::regex(R"(\.in_layers\.2\.)"), ".conv1."},
      {std::regex(R"(\.emb_layers\.1\.)"), ".time_emb_proj."}, {std::regex(R"(\.out_layers\.0\.)"), ".norm2."},
      {std::regex(R"(\.out_layers\.3\.)"), ".conv2."},         {std::regex(R"(\.skip_connection\.)"), ".conv_shortcut."},
      {std::regex(R"(\.nin_shortcut\.)"), ".conv_shortcut."}};
  return rules;
}

}  // namespace

at::Tensor Weights::get(const std::string& name) const {
  const auto found = entries_.find(name);
  if (found == entries_.end()) throw Error(ErrorKind::input, "tensor '" + name + "' is missing from " + source_);
  const Entry& entry = found->second;
  const at::Tensor tensor = entry.file ? read_tensor(*entry.file, entry.key) : entry.tensor;
  return dtype_ && tensor.is_floating_point() ? tensor.to(*dtype_) : tensor;
}

at::Tensor Weights::get(const std::string& name, std::vector<std::int64_t> shape) const {
  at::Tensor tensor = get(name);
  bool fits = tensor.dim() == static_cast<std::int64_t>(shape.size());
  for (std::size_t i = 0; fits && i < shape.size(); ++i) fits = shape[i] < 0 || shape[i] == tensor.size(static_cast<std::int64_t>(i));
  if (!fits) {
    throw Error(ErrorKind::input, "tensor '" + name + "' in " + source_ + " has shape " + shape_text(tensor.sizes()) +
                                      ", which does not fit the model (expected " + shape_text(shape) + ")");
  }
  return tensor;
}

std::vector<std::string> Weights::names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

void Weights::convert(at::ScalarType dtype) {
  for (auto& [name, entry] : entries_) {
    entry.tensor = get(name).to(dtype);
    entry.file.reset();
  }
}

Weights read_component(const std::filesystem::path& file) {
  const auto source = std::make_shared<const SafetensorsFile>(open_model_file(file));
  Weights weights(file.string());
  for (const auto& [name, info] : source->tensors()) weights.add_from_file(name, source, name);
  return weights;
}

Weights read_single_file_unet(const std::filesystem::path& file) {
  const auto mapped = std::make_shared<const SafetensorsFile>(open_model_file(file));
  const SafetensorsFile& source = *mapped;
  const std::string prefix = "model.diffusion_model.";
  // Block indices of the original layout: input_blocks.0 is conv_in, then per level `per_level`
  // resnet(+attention) blocks followed by one downsampler; output_blocks hold per_level + 1 per level.
  int levels = 0;
  int per_level = 0;
  int output_blocks = 0;
  std::set<int> down_indices;
  const std::regex input_block(R"(^input_blocks\.(\d+)\.0\.op\.weight$)");
  const std::regex output_block(R"(^output_blocks\.(\d+)\.)");
  for (const auto& [name, info] : source.tensors()) {
    if (!name.starts_with(prefix)) continue;
    const std::string key = name.substr(prefix.size());
    std::smatch match;
    if (std::regex_search(key, match, input_block)) down_indices.insert(std::stoi(match[1]));
    if (std::regex_search(key, match, output_block)) output_blocks = std::max(output_blocks, std::stoi(match[1]) + 1);
  }
  if (down_indices.empty()) throw Error(ErrorKind::input, file.string() + " holds no UNet (no model.diffusion_model.input_blocks.*.0.op)");
  per_level = *down_indices.begin() - 1;
  levels = static_cast<int>(down_indices.size()) + 1;
  if (per_level < 1 || output_blocks != levels * (per_level + 1)) {
    throw Error(ErrorKind::input, file.string() + ": UNet block layout not recognised (tensor model.diffusion_model.output_blocks." +
                                      std::to_string(output_blocks - 1) + ")");
  }

  Weights weights(file.string());
  const std::regex input_sub(R"(^input_blocks\.(\d+)\.(\d+)\.(.*)$)");
  const std::regex middle_sub(R"(^middle_block\.(\d+)\.(.*)$)");
  const std::regex output_sub(R"(^output_blocks\.(\d+)\.(\d+)\.(.*)$)");
  for (const auto& [name, info] : source.tensors()) {
    if (!name.starts_with(prefix)) continue;
    std::string key = name.substr(prefix.size());
    std::smatch match;
    std::string renamed;
    if (key.starts_with("time_embed.0.")) {
      renamed = "time_embedding.linear_1." + key.substr(13);
    } else if (key.starts_with("time_embed.2.")) {
      renamed = "time_embedding.linear_2." + key.substr(13);
    } else if (key.starts_with("input_blocks.0.0.")) {
      renamed = "conv_in." + key.substr(17);
    } else if (key.starts_with("out.0.")) {
      renamed = "conv_norm_out." + key.substr(6);
    } else if (key.starts_with("out.2.")) {
      renamed = "conv_out." + key.substr(6);
    } else if (std::regex_match(key, match, input_sub)) {
      const int block = std::stoi(match[1]) - 1;
      const int level = block / (per_level + 1);
      const int index = block % (per_level + 1);
      const std::string rest = match[3];
      const std::string base = "down_blocks." + std::to_string(level) + ".";
      if (index == per_level) {
        renamed = base + "downsamplers.0.conv." + rest.substr(rest.find('.') + 1);  // op.weight → conv.weight
      } else if (match[2] == "0") {
        renamed = rename(base + "resnets." + std::to_string(index) + "." + rest, resnet_rules());
      } else {
        renamed = base + "attentions." + std::to_string(index) + "." + rest;
      }
    } else if (std::regex_match(key, match, middle_sub)) {
      const int part = std::stoi(match[1]);
      const std::string rest = match[2];
      renamed = part == 1 ? "mid_block.attentions.0." + rest
                          : rename("mid_block.resnets." + std::to_string(part / 2) + "." + rest, resnet_rules());
    } else if (std::regex_match(key, match, output_sub)) {
      const int block = std::stoi(match[1]);
      const int level = block / (per_level + 1);
      const int index = block % (per_level + 1);
      const std::string part = match[2];
      const std::string rest = match[3];
      const std::string base = "up_blocks." + std::to_string(level) + ".";
      if (part == "0") {
        renamed = rename(base + "resnets." + std::to_string(index) + "." + rest, resnet_rules());
      } else if (rest.starts_with("conv.")) {
        renamed = base + "upsamplers.0." + rest;
      } else {
        renamed = base + "attentions." + std::to_string(index) + "." + rest;
      }
    } else {
      throw Error(ErrorKind::input, "tensor '" + name + "' in " + file.string() + " does not fit the Stable Diffusion UNet layout");
    }
    weights.add_from_file(renamed, mapped, name);
  }
  return weights;
}

Weights read_single_file_vae(const std::filesystem::path& file) {
  const auto mapped = std::make_shared<const SafetensorsFile>(open_model_file(file));
  const SafetensorsFile& source = *mapped;
  const std::string prefix = "first_stage_model.";
  int up_levels = 0;
  const std::regex up_level(R"(^decoder\.up\.(\d+)\.)");
  for (const auto& [name, info] : source.tensors()) {
    std::smatch match;
    const std::string key = name.substr(std::min(name.size(), prefix.size()));
    if (name.starts_with(prefix) && std::regex_search(key, match, up_level)) up_levels = std::max(up_levels, std::stoi(match[1]) + 1);
  }
  static const std::vector<RenameRule> rules = {
      {std::regex(R"(^encoder\.down\.(\d+)\.block\.(\d+)\.)"), "encoder.down_blocks.$1.resnets.$2."},
      {std::regex(R"(^encoder\.down\.(\d+)\.downsample\.)"), "encoder.down_blocks.$1.downsamplers.0."},
      {std::regex(R"(^(encoder|decoder)\.mid\.block_1\.)"), "$1.mid_block.resnets.0."},
      {std::regex(R"(^(encoder|decoder)\.mid\.block_2\.)"), "$1.mid_block.resnets.1."},
      {std::regex(R"(^(encoder|decoder)\.mid\.attn_1\.norm\.)"), "$1.mid_block.attentions.0.group_norm."},
      {std::regex(R"(^(encoder|decoder)\.mid\.attn_1\.q\.)"), "$1.mid_block.attentions.0.to_q."},
      {std::regex(R"(^(encoder|decoder)\.mid\.attn_1\.k\.)"), "$1.mid_block.attentions.0.to_k."},
      {std::regex(R"(^(encoder|decoder)\.mid\.attn_1\.v\.)"), "$1.mid_block.attentions.0.to_v."},
      {std::regex(R"(^(encoder|decoder)\.mid\.attn_1\.proj_out\.)"), "$1.mid_block.attentions.0.to_out.0."},
      {std::regex(R"(^(encoder|decoder)\.norm_out\.)"), "$1.conv_norm_out."}};
  const std::regex decoder_up(R"(^decoder\.up\.(\d+)\.(block\.(\d+)|upsample)\.(.*)$)");
  Weights weights(file.string());
  for (const auto& [name, info] : source.tensors()) {
    if (!name.starts_with(prefix)) continue;
    const std::string key = name.substr(prefix.size());
    std::smatch match;
    std::string renamed;
    if (std::regex_match(key, match, decoder_up)) {
      // The original decoder numbers its levels from the highest resolution; diffusers from the lowest.
      const std::string level = std::to_string(up_levels - 1 - std::stoi(match[1]));
      renamed = match[3].matched ? "decoder.up_blocks." + level + ".resnets." + std::string(match[3]) + "." + std::string(match[4])
                                 : "decoder.up_blocks." + level + ".upsamplers.0." + std::string(match[4]);
    } else {
      renamed = rename(key, rules);
    }
    weights.add_from_file(rename(renamed, resnet_rules()), mapped, name);
  }
  return weights;
}

Weights read_single_file_text_encoder(const std::filesystem::path& file) {
  const auto mapped = std::make_shared<const SafetensorsFile>(open_model_file(file));
  const SafetensorsFile& source = *mapped;
  Weights weights(file.string());
  const std::string clip_prefix = "cond_stage_model.transformer.";
  const std::string openclip_prefix = "cond_stage_model.model.";
  bool found = false;
  for (const auto& [name, info] : source.tensors()) {
    if (name.starts_with(clip_prefix) && !name.ends_with("position_ids")) {
      weights.add_from_file(name.substr(clip_prefix.size()), mapped, name);
      found = true;
    }
  }
  if (found) return weights;

  int layers = 0;
  const std::regex resblock(R"(^transformer\.resblocks\.(\d+)\.(.*)$)");
  for (const auto& [name, info] : source.tensors()) {
    std::smatch match;
    const std::string key = name.substr(std::min(name.size(), openclip_prefix.size()));
    if (name.starts_with(openclip_prefix) && std::regex_match(key, match, resblock)) layers = std::max(layers, std::stoi(match[1]) + 1);
  }
  if (layers == 0) throw Error(ErrorKind::input, file.string() + " holds no text encoder (cond_stage_model.transformer.* or cond_stage_model.model.*)");
  static const std::vector<RenameRule> rules = {
      {std::regex(R"(^ln_1\.)"), "layer_norm1."},         {std::regex(R"(^ln_2\.)"), "layer_norm2."},
      {std::regex(R"(^attn\.out_proj\.)"), "self_attn.out_proj."}, {std::regex(R"(^mlp\.c_fc\.)"), "mlp.fc1."},
      {std::regex(R"(^mlp\.c_proj\.)"), "mlp.fc2."}};
  for (const auto& [name, info] : source.tensors()) {
    if (!name.starts_with(openclip_prefix)) continue;
    const std::string key = name.substr(openclip_prefix.size());
    std::smatch match;
    if (key == "token_embedding.weight") {
      weights.add_from_file("text_model.embeddings.token_embedding.weight", mapped, name);
    } else if (key == "positional_embedding") {
      weights.add_from_file("text_model.embeddings.position_embedding.weight", mapped, name);
    } else if (key.starts_with("ln_final.")) {
      weights.add_from_file("text_model.final_layer_norm." + key.substr(9), mapped, name);
    } else if (std::regex_match(key, match, resblock)) {
      const int layer = std::stoi(match[1]);
      if (layer == layers - 1) continue;  // SD2 conditions on the penultimate layer
      const std::string base = "text_model.encoder.layers." + std::to_string(layer) + ".";
      const std::string rest = match[2];
      if (rest.starts_with("attn.in_proj_")) {
        const std::string kind = rest.substr(13);  // "weight" or "bias"
        const auto parts = read_tensor(source, name).chunk(3, 0);
        weights.add(base + "self_attn.q_proj." + kind, parts[0].contiguous());
        weights.add(base + "self_attn.k_proj." + kind, parts[1].contiguous());
        weights.add(base + "self_attn.v_proj." + kind, parts[2].contiguous());
      } else {
        weights.add_from_file(base + rename(rest, rules), mapped, name);
      }
    }
  }
  return weights;
}

}  // namespace easel::diffusion
