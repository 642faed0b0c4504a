#include "easel/diffusion/weights.hpp"

#include <algorithm>
#include <optional>
#include <regex>
#include <tuple>

#include "easel/core/error.hpp"
#include "easel/model_files/safetensors.hpp"
#include "easel/diffusion/sdxl_single_file.hpp"
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
    throw Error(
        ErrorKind::capability,
        "model file " + file.string() + " not found: download the model's .safetensors weights into the models folder");
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
  static const std::vector<RenameRule> rules = {{std::regex(R"(\.in_layers\.0\.)"), ".norm1."},
                                                {std::regex(R"(\.in_layers\.2\.)"), ".conv1."},
                                                {std::regex(R"(\.emb_layers\.1\.)"), ".time_emb_proj."},
                                                {std::regex(R"(\.out_layers\.0\.)"), ".norm2."},
                                                {std::regex(R"(\.out_layers\.3\.)"), ".conv2."},
                                                {std::regex(R"(\.skip_connection\.)"), ".conv_shortcut."},
                                                {std::regex(R"(\.nin_shortcut\.)"), ".conv_shortcut."}};
  return rules;
}

}  // namespace

at::Tensor Weights::get(const std::string& name) const {
  const auto found = entries_.find(name);
  if (found == entries_.end()) throw Error(ErrorKind::input, "tensor '" + name + "' is missing from " + source_);
  const Entry& entry = found->second;
  const at::Tensor tensor = entry.file ? read_tensor(*entry.file, entry.key) : entry.tensor;
  // No layer has an empty weight, and an empty extent would reach the layers' divisions by widths.
  if (tensor.numel() == 0)
    throw Error(ErrorKind::input,
                "tensor '" + name + "' in " + source_ + " is empty (shape " + shape_text(tensor.sizes()) + ")");
  return dtype_ && tensor.is_floating_point() ? tensor.to(*dtype_) : tensor;
}

at::Tensor Weights::get(const std::string& name, std::vector<std::int64_t> shape) const {
  at::Tensor tensor = get(name);
  bool fits = tensor.dim() == static_cast<std::int64_t>(shape.size());
  for (std::size_t i = 0; fits && i < shape.size(); ++i)
    fits = shape[i] < 0 || shape[i] == tensor.size(static_cast<std::int64_t>(i));
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

namespace {

// One tensor of the original layout's numbered UNet blocks: `input_blocks.4.1.norm.weight` is block 4,
// part 1, rest `norm.weight`. A block is a sequence: ResNet (.0), attention (.1), resampler last.
struct BlockTensor {
  int block = 0;
  int part = 0;
  std::string rest;
  std::string name;  // the key in the file

  bool operator<(const BlockTensor& other) const {
    return std::tie(block, part, rest) < std::tie(other.block, other.part, other.rest);
  }
};

bool is_downsampler(const BlockTensor& tensor) { return tensor.part == 0 && tensor.rest.starts_with("op."); }
bool is_upsampler(const BlockTensor& tensor) { return tensor.part >= 1 && tensor.rest.starts_with("conv."); }

// Where the blocks of one side (input or output) sit. Level ℓ holds the block numbers
// first + ℓ·stride … first + ℓ·stride + stride − 1, its resampler in the last of them. SD's own files
// fill every number (stride 3: two ResNet(+attention) blocks, then the resampler's). Distilled UNets
// have fewer blocks: diffusers' converter keeps SD's numbering for them, which leaves gaps (and an
// output block holding only the upsampler), while other tools number them contiguously with a smaller
// stride. So the stride is read from where the resamplers sit, and the blocks present in a level are
// renumbered 0, 1, … in order, as diffusers numbers them.
struct BlockLayout {
  int stride = 0;
  int levels = 0;
  std::map<int, std::pair<int, int>> resnets;  // block number → level, index within the level
  std::vector<std::string> resampler_tensors;  // the first tensor of each level's resampler
};

[[noreturn]] void layout_error(const std::string& tensor, const std::filesystem::path& file, const std::string& why) {
  throw Error(ErrorKind::input,
              "tensor '" + tensor + "' in " + file.string() + " does not fit the UNet block layout: " + why);
}

// The first tensor of every resampler block, in block order (`tensors` is sorted).
std::vector<const BlockTensor*> resamplers(const std::vector<BlockTensor>& tensors,
                                           bool (*is_resampler)(const BlockTensor&)) {
  std::vector<const BlockTensor*> found;
  for (const auto& tensor : tensors) {
    if (is_resampler(tensor) && (found.empty() || found.back()->block != tensor.block)) found.push_back(&tensor);
  }
  return found;
}

// The stride the first resampler gives (level 0 starts at block `first`); every other resampler must
// sit where that stride puts its level's.
int stride_of(const std::vector<const BlockTensor*>& resampler_blocks, int first, const std::string& side,
              const std::filesystem::path& file) {
  const int stride = resampler_blocks.front()->block - first + 1;
  for (std::size_t level = 1; level < resampler_blocks.size(); ++level) {
    const int expected = first + static_cast<int>(level + 1) * stride - 1;
    if (resampler_blocks[level]->block != expected) {
      layout_error(resampler_blocks[level]->name, file,
                   "level " + std::to_string(level) + "'s resampler belongs in " + side + "." +
                       std::to_string(expected) + " (levels of " + std::to_string(stride) +
                       " blocks, as the first resampler in " + side + "." +
                       std::to_string(resampler_blocks.front()->block) + " gives)");
    }
  }
  return stride;
}

// Numbers each level's ResNet blocks in block order; a level needs at least one.
void number_resnets(BlockLayout& layout, const std::vector<const BlockTensor*>& resampler_blocks,
                    const std::filesystem::path& file) {
  for (const BlockTensor* resampler : resampler_blocks) layout.resampler_tensors.push_back(resampler->name);
  std::vector<int> counts(static_cast<std::size_t>(layout.levels), 0);
  for (auto& [block, place] : layout.resnets) place.second = counts[static_cast<std::size_t>(place.first)]++;
  for (std::size_t level = 0; level < counts.size(); ++level) {
    if (counts[level] > 0) continue;
    if (level < resampler_blocks.size()) {
      layout_error(resampler_blocks[level]->name, file,
                   "level " + std::to_string(level) + " has no ResNet block before its resampler");
    }
    layout_error(resampler_blocks.back()->name, file, "the last level has no ResNet block after this resampler");
  }
}

// Records a block's ResNet (part .0) in its level; an attention (.1) must follow its block's ResNet,
// and other parts are what `parts_allowed` says a block may not hold.
void place_resnet_or_attention(BlockLayout& layout, const BlockTensor& tensor, int level, const std::string& side,
                               const std::string& parts_allowed, const std::filesystem::path& file) {
  if (tensor.part == 0) {
    layout.resnets[tensor.block] = {level, 0};
  } else if (tensor.part != 1) {
    layout_error(tensor.name, file, parts_allowed);
  } else if (!layout.resnets.contains(tensor.block)) {
    layout_error(
        tensor.name, file,
        "an attention follows a ResNet block, and " + side + "." + std::to_string(tensor.block) + ".0 is missing");
  }
}

// input_blocks: 0 is conv_in (not in `tensors`); each level's ResNet(+attention) blocks, then a block
// holding only its downsampler (`op`), except in the last level.
BlockLayout input_layout(const std::vector<BlockTensor>& tensors, const std::filesystem::path& file) {
  const auto downsamplers = resamplers(tensors, is_downsampler);
  if (downsamplers.empty())
    throw Error(ErrorKind::input, file.string() + " holds no UNet (no model.diffusion_model.input_blocks.*.0.op)");
  BlockLayout layout;
  layout.stride = stride_of(downsamplers, 1, "input_blocks", file);
  layout.levels = static_cast<int>(downsamplers.size()) + 1;
  for (const auto& tensor : tensors) {
    const int level = (tensor.block - 1) / layout.stride;
    const bool last_in_level = (tensor.block - 1) % layout.stride == layout.stride - 1;
    if (level >= layout.levels || (level == layout.levels - 1 && last_in_level)) {
      layout_error(tensor.name, file,
                   "it lies past the last of " + std::to_string(layout.levels) + " levels of " +
                       std::to_string(layout.stride) + " blocks");
    }
    if (last_in_level) {
      if (!is_downsampler(tensor)) {
        layout_error(tensor.name, file,
                     "input_blocks." + std::to_string(tensor.block) + " holds level " + std::to_string(level) +
                         "'s downsampler only");
      }
    } else {
      place_resnet_or_attention(layout, tensor, level, "input_blocks",
                                "an input block holds a ResNet (.0) and an attention (.1) only", file);
    }
  }
  number_resnets(layout, downsamplers, file);
  return layout;
}

// output_blocks: per level, ResNet(+attention) blocks, the last of them ending with the upsampler
// (`conv`, part .1 or .2) except in the last level; that block may hold the upsampler alone.
BlockLayout output_layout(const std::vector<BlockTensor>& tensors, const BlockLayout& down,
                          const std::filesystem::path& file) {
  const auto upsamplers = resamplers(tensors, is_upsampler);
  const std::string counts = " (upsamplers in output_blocks: " + std::to_string(upsamplers.size()) +
                             ", downsamplers in input_blocks: " + std::to_string(down.resampler_tensors.size()) + ")";
  if (upsamplers.size() > down.resampler_tensors.size()) {
    layout_error(upsamplers[down.resampler_tensors.size()]->name, file,
                 "no downsampler matches this upsampler" + counts);
  }
  if (upsamplers.size() < down.resampler_tensors.size()) {
    layout_error(down.resampler_tensors[upsamplers.size()], file, "no upsampler matches this downsampler" + counts);
  }
  const int levels = down.levels;
  BlockLayout layout;
  layout.stride = stride_of(upsamplers, 0, "output_blocks", file);
  layout.levels = levels;
  std::map<int, int> upsampler_parts;  // block → its upsampler's part
  for (const auto& tensor : tensors) {
    if (!is_upsampler(tensor)) continue;
    const auto [existing, inserted] = upsampler_parts.emplace(tensor.block, tensor.part);
    if (!inserted && existing->second != tensor.part) {
      layout_error(tensor.name, file,
                   "output_blocks." + std::to_string(tensor.block) + "'s upsampler is part ." +
                       std::to_string(existing->second));
    }
    if (tensor.part > 2) layout_error(tensor.name, file, "an upsampler is part .1 or .2 of its block");
  }
  for (const auto& tensor : tensors) {
    const int level = tensor.block / layout.stride;
    if (level >= levels) {
      layout_error(tensor.name, file,
                   "it lies past the last of " + std::to_string(levels) + " levels of " +
                       std::to_string(layout.stride) + " blocks");
    }
    if (is_upsampler(tensor)) continue;
    const auto upsampler = upsampler_parts.find(tensor.block);
    if (upsampler != upsampler_parts.end() && tensor.part >= upsampler->second) {
      layout_error(tensor.name, file,
                   "the upsampler, part ." + std::to_string(upsampler->second) + ", ends output_blocks." +
                       std::to_string(tensor.block));
    }
    place_resnet_or_attention(layout, tensor, level, "output_blocks",
                              "an output block holds a ResNet (.0), an attention (.1) and an upsampler only", file);
  }
  number_resnets(layout, upsamplers, file);
  return layout;
}

}  // namespace

Weights read_single_file_unet(const std::filesystem::path& file) {
  const auto mapped = std::make_shared<const SafetensorsFile>(open_model_file(file));
  const std::string prefix = "model.diffusion_model.";
  const std::regex input_key(R"(^input_blocks\.(\d{1,4})\.(\d{1,4})\.(.+)$)");
  const std::regex middle_key(R"(^middle_block\.(\d{1,4})\.(.+)$)");
  const std::regex output_key(R"(^output_blocks\.(\d{1,4})\.(\d{1,4})\.(.+)$)");
  Weights weights(file.string());
  std::vector<BlockTensor> inputs, outputs;
  for (const auto& [name, info] : mapped->tensors()) {
    if (!name.starts_with(prefix)) continue;
    const std::string key = name.substr(prefix.size());
    std::smatch match;
    if (key.starts_with("time_embed.0.")) {
      weights.add_from_file("time_embedding.linear_1." + key.substr(13), mapped, name);
    } else if (key.starts_with("time_embed.2.")) {
      weights.add_from_file("time_embedding.linear_2." + key.substr(13), mapped, name);
    } else if (key.starts_with("label_emb.0.0.")) {  // SDXL's added text/time embedding
      weights.add_from_file("add_embedding.linear_1." + key.substr(14), mapped, name);
    } else if (key.starts_with("label_emb.0.2.")) {
      weights.add_from_file("add_embedding.linear_2." + key.substr(14), mapped, name);
    } else if (key.starts_with("input_blocks.0.0.")) {
      weights.add_from_file("conv_in." + key.substr(17), mapped, name);
    } else if (key.starts_with("out.0.")) {
      weights.add_from_file("conv_norm_out." + key.substr(6), mapped, name);
    } else if (key.starts_with("out.2.")) {
      weights.add_from_file("conv_out." + key.substr(6), mapped, name);
    } else if (std::regex_match(key, match, input_key) && std::stoi(match[1]) > 0) {
      inputs.push_back({std::stoi(match[1]), std::stoi(match[2]), match[3], name});
    } else if (std::regex_match(key, match, output_key)) {
      outputs.push_back({std::stoi(match[1]), std::stoi(match[2]), match[3], name});
    } else if (std::regex_match(key, match, middle_key) && std::stoi(match[1]) <= 2) {
      // ResNet, attention, ResNet; distilled UNets (BK-SDM small and tiny) have no middle block at all.
      const int part = std::stoi(match[1]);
      const std::string rest = match[2];
      weights.add_from_file(part == 1
                                ? "mid_block.attentions.0." + rest
                                : rename("mid_block.resnets." + std::to_string(part / 2) + "." + rest, resnet_rules()),
                            mapped, name);
    } else {
      throw Error(ErrorKind::input,
                  "tensor '" + name + "' in " + file.string() + " does not fit the Stable Diffusion UNet layout");
    }
  }
  std::sort(inputs.begin(), inputs.end());
  std::sort(outputs.begin(), outputs.end());
  const BlockLayout down = input_layout(inputs, file);
  if (outputs.empty())
    throw Error(ErrorKind::input,
                file.string() + " holds no UNet output blocks (no model.diffusion_model.output_blocks.*)");
  const BlockLayout up = output_layout(outputs, down, file);

  for (const auto& tensor : inputs) {
    const std::string level = std::to_string((tensor.block - 1) / down.stride);
    if (is_downsampler(tensor)) {
      weights.add_from_file("down_blocks." + level + ".downsamplers.0.conv." + tensor.rest.substr(3), mapped,
                            tensor.name);  // op.weight → conv.weight
      continue;
    }
    const std::string base = "down_blocks." + level + (tensor.part == 0 ? ".resnets." : ".attentions.") +
                             std::to_string(down.resnets.at(tensor.block).second) + ".";
    weights.add_from_file(tensor.part == 0 ? rename(base + tensor.rest, resnet_rules()) : base + tensor.rest, mapped,
                          tensor.name);
  }
  for (const auto& tensor : outputs) {
    const std::string level = std::to_string(tensor.block / up.stride);
    if (is_upsampler(tensor)) {
      weights.add_from_file("up_blocks." + level + ".upsamplers.0." + tensor.rest, mapped, tensor.name);
      continue;
    }
    const std::string base = "up_blocks." + level + (tensor.part == 0 ? ".resnets." : ".attentions.") +
                             std::to_string(up.resnets.at(tensor.block).second) + ".";
    weights.add_from_file(tensor.part == 0 ? rename(base + tensor.rest, resnet_rules()) : base + tensor.rest, mapped,
                          tensor.name);
  }
  return weights;
}

Weights read_single_file_vae(const std::filesystem::path& file) {
  const auto mapped = std::make_shared<const SafetensorsFile>(open_model_file(file));
  const SafetensorsFile& source = *mapped;
  const std::string prefix = "first_stage_model.";
  int up_levels = 0;
  const std::regex up_level(R"(^decoder\.up\.(\d{1,4})\.)");
  for (const auto& [name, info] : source.tensors()) {
    std::smatch match;
    const std::string key = name.substr(std::min(name.size(), prefix.size()));
    if (name.starts_with(prefix) && std::regex_search(key, match, up_level))
      up_levels = std::max(up_levels, std::stoi(match[1]) + 1);
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
  const std::regex decoder_up(R"(^decoder\.up\.(\d{1,4})\.(block\.(\d+)|upsample)\.(.*)$)");
  Weights weights(file.string());
  for (const auto& [name, info] : source.tensors()) {
    if (!name.starts_with(prefix)) continue;
    const std::string key = name.substr(prefix.size());
    std::smatch match;
    std::string renamed;
    if (std::regex_match(key, match, decoder_up)) {
      // The original decoder numbers its levels from the highest resolution; diffusers from the lowest.
      const std::string level = std::to_string(up_levels - 1 - std::stoi(match[1]));
      renamed = match[3].matched
                    ? "decoder.up_blocks." + level + ".resnets." + std::string(match[3]) + "." + std::string(match[4])
                    : "decoder.up_blocks." + level + ".upsamplers.0." + std::string(match[4]);
    } else {
      renamed = rename(key, rules);
    }
    weights.add_from_file(rename(renamed, resnet_rules()), mapped, name);
  }
  return weights;
}

namespace {

// The CLIP text model under `prefix` (transformers naming), or nullopt when the file has none.
std::optional<Weights> clip_text_model(const std::shared_ptr<const SafetensorsFile>& mapped,
                                       const std::filesystem::path& file, const std::string& prefix) {
  Weights weights(file.string());
  bool found = false;
  for (const auto& [name, info] : mapped->tensors()) {
    if (name.starts_with(prefix) && !name.ends_with("position_ids")) {
      weights.add_from_file(name.substr(prefix.size()), mapped, name);
      found = true;
    }
  }
  if (!found) return std::nullopt;
  return weights;
}

// The OpenCLIP text model under `prefix` renamed to transformers' CLIPTextModel naming, q/k/v unfused;
// without its last layer when `drop_last_layer` (SD2 conditions on the penultimate layer's output, so
// its single files' encoders are cut there). `text_projection` (width, proj), when present, becomes the
// Linear weight `text_projection.weight` (proj, width). Nullopt when the file has no such model.
std::optional<Weights> openclip_text_model(const std::shared_ptr<const SafetensorsFile>& mapped,
                                           const std::filesystem::path& file, const std::string& prefix,
                                           bool drop_last_layer) {
  const SafetensorsFile& source = *mapped;
  int layers = 0;
  const std::regex resblock(R"(^transformer\.resblocks\.(\d{1,4})\.(.*)$)");
  for (const auto& [name, info] : source.tensors()) {
    std::smatch match;
    const std::string key = name.substr(std::min(name.size(), prefix.size()));
    if (name.starts_with(prefix) && std::regex_match(key, match, resblock))
      layers = std::max(layers, std::stoi(match[1]) + 1);
  }
  if (layers == 0) return std::nullopt;
  static const std::vector<RenameRule> rules = {{std::regex(R"(^ln_1\.)"), "layer_norm1."},
                                                {std::regex(R"(^ln_2\.)"), "layer_norm2."},
                                                {std::regex(R"(^attn\.out_proj\.)"), "self_attn.out_proj."},
                                                {std::regex(R"(^mlp\.c_fc\.)"), "mlp.fc1."},
                                                {std::regex(R"(^mlp\.c_proj\.)"), "mlp.fc2."}};
  Weights weights(file.string());
  for (const auto& [name, info] : source.tensors()) {
    if (!name.starts_with(prefix)) continue;
    const std::string key = name.substr(prefix.size());
    std::smatch match;
    if (key == "token_embedding.weight") {
      weights.add_from_file("text_model.embeddings.token_embedding.weight", mapped, name);
    } else if (key == "positional_embedding") {
      weights.add_from_file("text_model.embeddings.position_embedding.weight", mapped, name);
    } else if (key.starts_with("ln_final.")) {
      weights.add_from_file("text_model.final_layer_norm." + key.substr(9), mapped, name);
    } else if (key == "text_projection") {
      const at::Tensor projection = read_tensor(source, name);
      if (projection.dim() != 2)
        throw Error(ErrorKind::input, "tensor '" + name + "' in " + file.string() + " is not a (width, proj) matrix");
      weights.add("text_projection.weight", projection.t().contiguous());
    } else if (std::regex_match(key, match, resblock)) {
      const int layer = std::stoi(match[1]);
      if (drop_last_layer && layer == layers - 1) continue;
      const std::string base = "text_model.encoder.layers." + std::to_string(layer) + ".";
      const std::string rest = match[2];
      if (rest.starts_with("attn.in_proj_")) {
        const std::string kind = rest.substr(13);  // "weight" or "bias"
        const at::Tensor fused = read_tensor(source, name);
        if (fused.dim() < 1 || fused.numel() == 0 || fused.size(0) % 3 != 0) {
          throw Error(ErrorKind::input,
                      "tensor '" + name + "' in " + file.string() +
                          " is not a fused q/k/v projection: its first extent is not a multiple of 3");
        }
        const auto parts = fused.chunk(3, 0);
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

}  // namespace

Weights read_single_file_text_encoder(const std::filesystem::path& file) {
  const auto mapped = std::make_shared<const SafetensorsFile>(open_model_file(file));
  if (auto clip = clip_text_model(mapped, file, "cond_stage_model.transformer.")) return std::move(*clip);
  if (auto openclip = openclip_text_model(mapped, file, "cond_stage_model.model.", true)) return std::move(*openclip);
  throw Error(ErrorKind::input,
              file.string() + " holds no text encoder (cond_stage_model.transformer.* or cond_stage_model.model.*)");
}

SdxlSingleFileTextEncoders read_single_file_sdxl_text_encoders(const std::filesystem::path& file) {
  const auto mapped = std::make_shared<const SafetensorsFile>(open_model_file(file));
  SdxlSingleFileTextEncoders encoders;
  // The base names CLIP-L embedders.0 and OpenCLIP-bigG embedders.1; the refiner has bigG alone, as embedders.0.
  encoders.clip_l = clip_text_model(mapped, file, "conditioner.embedders.0.transformer.");
  for (const char* prefix : {"conditioner.embedders.1.model.", "conditioner.embedders.0.model."}) {
    if (auto big_g = openclip_text_model(mapped, file, prefix, false)) {
      encoders.big_g = std::move(*big_g);
      return encoders;
    }
  }
  throw Error(ErrorKind::input, file.string() + " holds no OpenCLIP text encoder (conditioner.embedders.*.model.*)");
}

}  // namespace easel::diffusion
