#pragma once
// LoRA files merged into a model's weights as it loads: each module's weight W becomes
// W + scale · (alpha / rank) · up · down (for convolutions with up and down flattened to matrices;
// alpha / rank = 1 when the file stores no alpha), which is what the reference computes unmerged at
// every call. Merging costs nothing per step, and a model with a LoRA set is cached like any other.
#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "easel/diffusion/weights.hpp"
#include "easel/model_files/lora_keys.hpp"

namespace easel::diffusion {

// One LoRA file at one scale (the reference's cross_attention_kwargs scale: UNet and text encoders alike).
struct LoraUse {
  std::filesystem::path file;
  double scale = 1.0;
  bool operator==(const LoraUse&) const = default;
};

class LoraSet {
 public:
  // Reads every file (kohya/A1111, diffusers or PEFT naming; lora_keys.hpp). A file that is no LoRA, a
  // module without its down or up tensor, or factors that do not multiply are input errors naming the
  // file and the tensor.
  explicit LoraSet(const std::vector<LoraUse>& uses);
  bool empty() const { return modules_.empty(); }

  // Merges every module of `component` whose weight `weights` holds (diffusers naming; kohya's
  // underscored names are matched against it) into that weight, in float32, in the order the files were
  // given. Call before the weights are handed out in another type. A module whose product does not fit
  // its weight is an input error naming both.
  void merge_into(Weights& weights, LoraComponent component);
  // The weights merge_into changed so far, per component.
  const std::map<LoraComponent, std::vector<std::string>>& changed() const { return changed_; }
  // After every component was merged: an input error naming the first module that matched no weight
  // (a LoRA made for another model family), so nothing in a file is dropped silently.
  void check_every_module_merged() const;

 private:
  struct Module {
    LoraComponent component = LoraComponent::unet;
    std::string module;
    bool underscored = false;
    at::Tensor down, up;
    double alpha = 0;
    bool has_alpha = false;  // none stored: alpha / rank = 1
    double scale = 1.0;
    std::string file;
    std::string key;  // the down tensor's name in the file
    bool merged = false;
  };
  static at::Tensor delta(const Module& module, const at::Tensor& weight, const std::string& weight_name);
  std::vector<Module> modules_;
  std::map<LoraComponent, std::vector<std::string>> changed_;
};

}  // namespace easel::diffusion
