#pragma once
// The execution → verification half of the data flow (DESIGN §1), shared by every door: render the steps
// over the source, verify what can be verified, and assemble the report (DESIGN §5).
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/plan/edit_plan.hpp"
#include "easel/run/executor.hpp"
#include "easel/run/text_verifier.hpp"
#include "easel/run/verifier.hpp"

namespace easel {

struct EditOutcome {
  RenderResult render;
  PreservationReport preservation;
  std::vector<TextCheck> text;  // one per typeset string, in step order
  double execute_ms = 0;
  double verify_ms = 0;
};

EditOutcome run_edit(const Image& source, const std::vector<PlanStep>& steps, ResultCache& cache,
                     const StepProgress& progress = {});

// `plan` is the plan of this request; `timings_ms` gains execute and verify times.
nlohmann::json build_report(const EditPlan& plan, const EditOutcome& outcome, nlohmann::json timings_ms);

}  // namespace easel
