#pragma once
// --model and --seed of `easel edit`: they fill the generative steps of a plan (those whose op needs
// a diffusion model) that do not name their own, so the plan — and a document's history — records
// the exact model and seed each step used, and every re-render reproduces it.
#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "easel/plan/edit_plan.hpp"

namespace easel::cli {

struct GenerationSettings {
  std::string model;
  std::optional<std::uint64_t> seed;

  void declare(CLI::App& command);
};

// Sets `model` and `seed` on generative steps that lack them; a step left without a seed gets a
// random one (written into the plan). Re-validates the plan.
void apply_generation_settings(EditPlan& plan, const GenerationSettings& settings);

// A fresh random seed, for runs that were given none.
std::uint64_t random_seed();

}  // namespace easel::cli
