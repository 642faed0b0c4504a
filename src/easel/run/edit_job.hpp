#pragma once
// The execution → verification half of the edit flow for one image: render the steps over the source,
// verify what can be verified, and assemble the report (DESIGN §5). run/edit_flow.hpp calls it for
// every image of an edit; tests call it directly.
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/ops/run_context.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/run/executor.hpp"
#include "easel/run/text_verifier.hpp"
#include "easel/run/verifier.hpp"

namespace easel {

struct EditOutcome {
  RenderResult render;
  PreservationReport preservation;
  std::vector<TextCheck> text;  // one per typeset string, in step order, read in the final image
  double execute_ms = 0;
  double verify_ms = 0;
};

EditOutcome run_edit(const Image& source, const std::vector<PlanStep>& steps, ResultCache& cache,
                     const RunContext& context = {}, const StepProgress& progress = {});

// `plan` is the plan of this request; `timings_ms` gains execute and verify times. `before_round` is the
// state the plan's round started from (a document's earlier rounds); null: the unedited source.
// verification.ok is false when a typeset string did not read back, a preserved pixel changed, or a
// pixel outside every edited region changed.
nlohmann::json build_report(const Image& source, const EditPlan& plan, const EditOutcome& outcome,
                            nlohmann::json timings_ms, const RenderState* before_round = nullptr);

}  // namespace easel
