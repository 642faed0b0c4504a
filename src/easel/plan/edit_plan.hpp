#pragma once
// EditPlan (DESIGN §4): the ordered steps an instruction maps to, what must be preserved, and the
// clauses no step covers. JSON in and out; validated against the operation registry.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace easel {

using json = nlohmann::json;

struct PlanStep {
  std::string op;
  json target;         // see regions/region.hpp; {"region": "all"} when absent
  json params;         // after validation: every declared parameter, defaults filled in
  std::string clause;  // the words of the instruction this step came from
  // Targets this step must leave bit-identical: the plan's `preserve` targets, copied onto each step of
  // the round that declared them (so a document's later rounds are not bound by them). Resolved on the
  // render's source; the executor shrinks, moves or refuses the step to honour them.
  json keep = json::array();
  // Later clauses this step already carries out, adding no step of their own ("make it transparent"
  // after "remove the background"; "don't crop" for a crop turned into a canvas extension).
  std::vector<std::string> also_clauses{};
};

struct PreserveItem {
  json target;
  std::string clause;
};

struct UnsupportedItem {
  std::string clause;
  std::string reason;
};

struct EditPlan {
  std::string instruction;
  std::vector<PlanStep> steps;
  std::vector<PreserveItem> preserve;
  std::vector<UnsupportedItem> unsupported;
};

// Limits on plans read from users (files, HTTP bodies); their JSON nests at most kDefaultMaxJsonDepth
// (core/json_input.hpp) levels.
inline constexpr std::size_t kMaxPlanBytes = 1 << 20;
inline constexpr std::size_t kMaxPlanSteps = 256;

// Parses the JSON form; throws Error(plan) saying what is malformed and where. Does not validate ops.
EditPlan parse_edit_plan(std::string_view text);
EditPlan edit_plan_from_json(const json& document);
json to_json(const EditPlan& plan);

// Checks every step against the registry: the op exists, parameters are typed and in range (defaults
// filled in), the target is one the op accepts; and every preserve and keep target is one that can be
// protected. Throws Error(plan) naming the step or preserve entry.
void validate_plan(EditPlan& plan);

// Copies the plan's preserve targets onto each of its steps (PlanStep::keep).
void bind_preserve_to_steps(EditPlan& plan);

}  // namespace easel
