#pragma once
// Checks that what a plan preserves is bit-identical after its round (DESIGN §5, verification.preserve):
// the executor keeps preserved pixels out of every step by construction; this reads the result back and
// says so with numbers, as the text verifier does for typeset strings.
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/plan/edit_plan.hpp"
#include "easel/run/executor.hpp"
#include "easel/run/render_state.hpp"

namespace easel {

// One entry per preserve item of `plan`: {"clause", "target", "pixels" (source pixels preserved),
// "changed_pixels", "cut_off_pixels" (no longer in the image), "comparable" (false after a resampling
// step), "ok"}. `before` is the state the round started from, `result` the state after it; `kept` the
// executor's resolved keep targets.
nlohmann::json verify_kept(const EditPlan& plan, const std::vector<KeptArea>& kept, const RenderState& before,
                           const RenderState& result);

}  // namespace easel
