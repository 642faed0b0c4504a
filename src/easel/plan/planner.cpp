#include "easel/plan/planner.hpp"

#include <algorithm>

#include "easel/core/error.hpp"
#include "easel/regions/region.hpp"
#include "easel/ops/registry.hpp"
#include "easel/plan/clause_rules.hpp"
#include "easel/plan/instruction_text.hpp"

namespace easel {
namespace {

void check_instruction(const std::string& instruction) {
  if (instruction.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(ErrorKind::usage, "the instruction is empty: say what to change, e.g. \"increase the contrast\"");
  }
  if (instruction.size() > kMaxInstructionBytes) {
    throw Error(ErrorKind::usage, "the instruction is " + std::to_string(instruction.size()) +
                                      " bytes, above the limit of " + std::to_string(kMaxInstructionBytes) +
                                      " bytes; split it into several edits");
  }
  try {
    (void)json(instruction).dump();  // nlohmann checks UTF-8 when writing; plans are written as JSON
  } catch (const json::exception&) {
    throw Error(ErrorKind::usage, "the instruction is not valid UTF-8 text");
  }
}

// The latest step with `op` also carries out `clause` ("make it transparent" after "remove the background").
void carry_clause(std::vector<PlanStep>& steps, const std::string& op, const std::string& clause) {
  const auto step = std::find_if(steps.rbegin(), steps.rend(), [&](const PlanStep& each) { return each.op == op; });
  if (step == steps.rend())
    throw Error(ErrorKind::internal, "planner: no earlier " + op + " step carries out \"" + clause + "\"");
  step->also_clauses.push_back(clause);
}

// Each image.crop becomes canvas.expand to the same aspect, filled as `fill` says, and carries `clause`.
void extend_instead_of_cropping(std::vector<PlanStep>& steps, const json& fill, const std::string& clause) {
  for (auto& step : steps) {
    if (step.op != "image.crop") continue;
    json params = fill;
    params["aspect"] = step.params.at("aspect");
    step.op = "canvas.expand";
    step.params = std::move(params);
    step.also_clauses.push_back(clause);
  }
}

}  // namespace

EditPlan draft_plan(const std::string& instruction, const PlanInputs& inputs) {
  check_instruction(instruction);
  const ProtectedInstruction words = protect_quotations(instruction);
  const std::vector<Clause> clauses = split_clauses(words);
  if (clauses.size() > kMaxInstructionClauses) {
    throw Error(ErrorKind::usage, "the instruction has " + std::to_string(clauses.size()) +
                                      " clauses, above the limit of " + std::to_string(kMaxInstructionClauses) +
                                      "; split it into several edits");
  }
  EditPlan plan;
  plan.instruction = instruction;
  ClauseContext context;
  context.mask_given = !inputs.mask.empty();
  for (const Clause& clause : clauses) {
    ClauseOutcome outcome = plan_clause(clause, words.quotations, context);
    if (!outcome.carried_by_op.empty()) carry_clause(plan.steps, outcome.carried_by_op, clause.original);
    if (outcome.crops_become_extensions)
      extend_instead_of_cropping(plan.steps, *outcome.crops_become_extensions, clause.original);
    for (auto& step : outcome.steps) {
      if (step.op == "color.match" && !inputs.references.empty()) step.params["reference"] = inputs.references.front();
      plan.steps.push_back(std::move(step));
    }
    for (auto& item : outcome.preserve) plan.preserve.push_back(std::move(item));
    for (auto& item : outcome.unsupported) plan.unsupported.push_back(std::move(item));
  }
  return plan;
}

// Why this build cannot run `step` as planned, or empty when it can.
std::string missing_capability(const PlanStep& step) {
  const OperationSpec* spec = registry().find(step.op);
  if (spec == nullptr)
    return "this needs the " + step.op + " operation, which this build of Easel does not include (see `easel ops`)";
  const RegionKind kind = region_kind_of(step.target);
  if (std::find(spec->regions.begin(), spec->regions.end(), kind) == spec->regions.end()) {
    return step.op +
           " needs to know where: name a place (\"on the left\", \"in the top-right corner\") or give a --mask";
  }
  for (const auto& param : spec->params) {
    if (param.required && !step.params.contains(param.name)) {
      if (param.name == "reference") return "say which photo to match: give it with --ref FILE";
      return step.op + " needs its '" + param.name + "' (" + param.description + ")";
    }
  }
  return {};
}

void bind_mask(EditPlan& plan, const std::string& mask) {
  if (mask.empty()) return;
  for (auto& step : plan.steps) {
    const OperationSpec* spec = registry().find(step.op);
    if (spec != nullptr && targets_whole_image(step.target) &&
        std::find(spec->regions.begin(), spec->regions.end(), RegionKind::mask) != spec->regions.end()) {
      step.target = json{{"mask", mask}};
    }
  }
}

EditPlan plan_instruction(const std::string& instruction, const PlanInputs& inputs) {
  EditPlan plan = draft_plan(instruction, inputs);
  bind_mask(plan, inputs.mask);
  std::vector<PlanStep> runnable;
  for (auto& step : plan.steps) {
    if (const std::string reason = missing_capability(step); reason.empty()) {
      runnable.push_back(std::move(step));
    } else {
      plan.unsupported.push_back({step.clause, reason});
      for (const auto& also : step.also_clauses) plan.unsupported.push_back({also, reason});
    }
  }
  plan.steps = std::move(runnable);
  // In the order the clauses were written.
  std::stable_sort(plan.unsupported.begin(), plan.unsupported.end(),
                   [&](const UnsupportedItem& a, const UnsupportedItem& b) {
                     return instruction.find(a.clause) < instruction.find(b.clause);
                   });
  validate_plan(plan);
  return plan;
}

}  // namespace easel
