#include "easel/model_files/original_unet_names.hpp"

#include <regex>
#include <set>

namespace easel::diffusion {
namespace {

// A ResNet's parts: diffusers' names → the original ones.
std::string original_resnet_part(const std::string& part) {
  static const std::map<std::string, std::string> parts = {
      {"norm1", "in_layers.0"},  {"conv1", "in_layers.2"},  {"time_emb_proj", "emb_layers.1"},
      {"norm2", "out_layers.0"}, {"conv2", "out_layers.3"}, {"conv_shortcut", "skip_connection"}};
  const auto found = parts.find(part);
  return found == parts.end() ? "" : found->second;
}

// The layout the original numbering depends on: ResNets per down level (the up levels have one more),
// and the up levels that hold attentions (their upsampler is part 2 of its block, else part 1).
struct UNetLayout {
  int resnets_per_down_level = 0;
  std::set<int> up_levels_with_attention;
};

UNetLayout layout_of(const std::vector<std::string>& modules) {
  static const std::regex down_resnet(R"(^down_blocks\.0\.resnets\.(\d+)\..*)");
  static const std::regex up_attention(R"(^up_blocks\.(\d+)\.attentions\..*)");
  UNetLayout layout;
  std::smatch match;
  for (const auto& module : modules) {
    if (std::regex_match(module, match, down_resnet)) {
      layout.resnets_per_down_level = std::max(layout.resnets_per_down_level, std::stoi(match[1]) + 1);
    } else if (std::regex_match(module, match, up_attention)) {
      layout.up_levels_with_attention.insert(std::stoi(match[1]));
    }
  }
  return layout;
}

// The original name of one module path; empty when it has none.
std::string original_name(const std::string& module, const UNetLayout& layout) {
  static const std::map<std::string, std::string> fixed = {{"conv_in", "input_blocks.0.0"},
                                                           {"time_embedding.linear_1", "time_embed.0"},
                                                           {"time_embedding.linear_2", "time_embed.2"},
                                                           {"add_embedding.linear_1", "label_emb.0.0"},
                                                           {"add_embedding.linear_2", "label_emb.0.2"},
                                                           {"conv_norm_out", "out.0"},
                                                           {"conv_out", "out.2"}};
  if (const auto found = fixed.find(module); found != fixed.end()) return found->second;
  static const std::regex block(
      R"(^(down_blocks|up_blocks)\.(\d+)\.(resnets|attentions|downsamplers|upsamplers)\.(\d+)(?:\.(.+))?$)");
  static const std::regex middle(R"(^mid_block\.(resnets|attentions)\.(\d+)(?:\.(.+))?$)");
  std::smatch match;
  const int n = layout.resnets_per_down_level;
  if (std::regex_match(module, match, middle)) {
    const int index = std::stoi(match[2]);
    const std::string rest = match[3];
    if (match[1] == "attentions") return "middle_block.1" + (rest.empty() ? "" : "." + rest);
    const std::string part = original_resnet_part(rest);
    return part.empty() ? "" : "middle_block." + std::to_string(2 * index) + "." + part;
  }
  if (!std::regex_match(module, match, block) || n == 0) return "";
  const bool down = match[1] == "down_blocks";
  const int level = std::stoi(match[2]);
  const std::string kind = match[3];
  const int index = std::stoi(match[4]);
  const std::string rest = match[5];
  const int first = down ? 1 + level * (n + 1) : level * (n + 1);
  const std::string blocks = down ? "input_blocks." : "output_blocks.";
  if (kind == "resnets") {
    const std::string part = original_resnet_part(rest);
    return part.empty() ? "" : blocks + std::to_string(first + index) + ".0." + part;
  }
  if (kind == "attentions") return blocks + std::to_string(first + index) + ".1" + (rest.empty() ? "" : "." + rest);
  if (rest != "conv") return "";
  if (down) return "input_blocks." + std::to_string((level + 1) * (n + 1)) + ".0.op";
  const int part = layout.up_levels_with_attention.contains(level) ? 2 : 1;
  return "output_blocks." + std::to_string(first + n) + "." + std::to_string(part) + ".conv";
}

}  // namespace

std::map<std::string, std::string> original_unet_module_names(const std::vector<std::string>& weight_names) {
  std::vector<std::string> modules;
  for (const auto& name : weight_names) {
    const auto dot = name.rfind('.');
    if (dot != std::string::npos) modules.push_back(name.substr(0, dot));
  }
  const UNetLayout layout = layout_of(modules);
  std::map<std::string, std::string> names;
  for (const auto& module : modules) {
    const std::string original = original_name(module, layout);
    if (!original.empty()) names.emplace(module, original);
  }
  return names;
}

}  // namespace easel::diffusion
