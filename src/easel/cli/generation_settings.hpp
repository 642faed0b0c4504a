#pragma once
// --model and --seed of `easel edit`: they fill the steps of a plan whose op declares a `model` / `seed`
// parameter (the generative ops, and ops with an optional generative fill) and that do not name their
// own, so the plan — and a document's history — records the exact model and seed each step used, and
// every re-render reproduces it.
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

// Sets `model` and `seed` on the steps that declare them and lack them; a step that may generate and
// is still without a seed gets a random one (written into the plan). Re-validates the plan.
void apply_generation_settings(EditPlan& plan, const GenerationSettings& settings);

// A fresh random seed, for runs that were given none.
std::uint64_t random_seed();

}  // namespace easel::cli
