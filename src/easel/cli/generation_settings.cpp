#include "easel/cli/generation_settings.hpp"

#include <algorithm>
#include <random>

#include "easel/ops/registry.hpp"

namespace easel::cli {
namespace {

bool declares(const OperationSpec& spec, const std::string& param) {
  return std::any_of(spec.params.begin(), spec.params.end(), [&](const ParamSpec& p) { return p.name == param; });
}

bool unset(const json& params, const char* name) { return params.value(name, json()).is_null(); }

}  // namespace

void GenerationSettings::declare(CLI::App& command) {
  command.add_option("--model", model, "Stable Diffusion model for generative steps: a name, a .safetensors file or a diffusers folder");
  command.add_option("--seed", seed, "Seed of generative steps (0 to 2^53-1; default: random, recorded in the plan)")
      ->check(CLI::Range(std::uint64_t{0}, (std::uint64_t{1} << 53) - 1));
}

// Every op that declares `model` takes --model, also those whose generative fill is optional
// (object.remove, canvas.expand, background.replace, text.replace): naming a model is what turns
// their `auto` fill generative. A step that may generate (its op needs the engine, or it now names a
// model) without a seed gets a random one, so the plan records what reproduces it.
void apply_generation_settings(EditPlan& plan, const GenerationSettings& settings) {
  for (auto& step : plan.steps) {
    const OperationSpec& spec = registry().get(step.op);
    if (declares(spec, "model") && !settings.model.empty() && unset(step.params, "model")) step.params["model"] = settings.model;
    if (!declares(spec, "seed") || !unset(step.params, "seed")) continue;
    const bool generates = spec.model.rfind("diffusion", 0) == 0 || !unset(step.params, "model");
    if (settings.seed) {
      step.params["seed"] = *settings.seed;
    } else if (generates) {
      step.params["seed"] = random_seed();
    }
  }
  validate_plan(plan);
}

std::uint64_t random_seed() {
  std::random_device device;
  return std::uniform_int_distribution<std::uint64_t>(0, 0xffffffffu)(device);
}

}  // namespace easel::cli
