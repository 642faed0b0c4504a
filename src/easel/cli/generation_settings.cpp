#include "easel/cli/generation_settings.hpp"

#include <random>

#include "easel/ops/registry.hpp"

namespace easel::cli {

void GenerationSettings::declare(CLI::App& command) {
  command.add_option("--model", model, "Stable Diffusion model for generative steps: a name, a .safetensors file or a diffusers folder");
  command.add_option("--seed", seed, "Seed of generative steps (0 to 2^53-1; default: random, recorded in the plan)")
      ->check(CLI::Range(std::uint64_t{0}, (std::uint64_t{1} << 53) - 1));
}

void apply_generation_settings(EditPlan& plan, const GenerationSettings& settings) {
  for (auto& step : plan.steps) {
    if (registry().get(step.op).model.rfind("diffusion", 0) != 0) continue;
    if (!settings.model.empty() && step.params.value("model", json()).is_null()) step.params["model"] = settings.model;
    if (settings.seed && step.params.value("seed", json()).is_null()) step.params["seed"] = *settings.seed;
    if (step.params.value("seed", json()).is_null()) step.params["seed"] = random_seed();
  }
  validate_plan(plan);
}

std::uint64_t random_seed() {
  std::random_device device;
  return std::uniform_int_distribution<std::uint64_t>(0, 0xffffffffu)(device);
}

}  // namespace easel::cli
