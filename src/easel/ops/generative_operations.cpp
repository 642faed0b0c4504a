#include "easel/ops/generative_operations.hpp"

#include <algorithm>

#include "easel/ops/registry.hpp"

namespace easel {
namespace {

enum class UnetUse { from_noise_or_image, instruct, inpaint };

UnetUse use_of(const OperationSpec& spec) {
  if (spec.model == "diffusion") return UnetUse::from_noise_or_image;
  if (spec.model == "diffusion:instruct") return UnetUse::instruct;
  return UnetUse::inpaint;  // a generative fill inside a region ("diffusion:inpaint", or an op whose model is optional)
}

bool takes_model(const OperationSpec& spec) {
  return std::any_of(spec.params.begin(), spec.params.end(),
                     [](const ParamSpec& param) { return param.name == "model"; });
}

bool serves(int in_channels, UnetUse use) {
  switch (in_channels) {
    case 4:
      return use != UnetUse::instruct;
    case 9:
      return use == UnetUse::inpaint;
    case 8:
      return use == UnetUse::instruct;
    default:
      return false;
  }
}

}  // namespace

std::vector<std::string> generative_operations() {
  std::vector<std::string> names;
  for (const auto& [name, spec] : registry().all())
    if (takes_model(spec)) names.push_back(name);
  return names;
}

std::vector<std::string> operations_for_unet(int in_channels) {
  std::vector<std::string> names;
  for (const auto& [name, spec] : registry().all())
    if (takes_model(spec) && serves(in_channels, use_of(spec))) names.push_back(name);
  return names;
}

}  // namespace easel
