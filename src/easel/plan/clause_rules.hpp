#pragma once
// What one clause of an instruction asks for: an ordered table of rules, each a trigger and a builder
// that reads the op's parameters from the clause. The first rule that claims the clause decides it.
#include <optional>
#include <string>
#include <vector>

#include "easel/plan/edit_plan.hpp"
#include "easel/plan/instruction_text.hpp"

namespace easel {

struct ClauseOutcome {
  std::vector<PlanStep> steps;
  std::vector<PreserveItem> preserve;
  std::vector<UnsupportedItem> unsupported;
  // Non-empty when an earlier step already does what the clause asks ("remove the background, make it
  // transparent"): the latest step with this op carries the clause, which adds no step of its own.
  std::string carried_by_op;
  // Set when the clause asks for the canvas to be extended instead of cropped ("make it square, don't
  // crop"; "… then extend the canvas with white"): each earlier image.crop becomes canvas.expand to the
  // same aspect with these parameters, and carries the clause.
  std::optional<json> crops_become_extensions;
};

// Read across clauses: "increase the contrast; the saturation too" raises both.
struct ClauseContext {
  int direction = 0;        // +1 up, -1 down, 0 not said yet
  std::string last_text;    // the text the latest text.add step typesets ("… below the title" goes under it)
  bool mask_given = false;  // the request has a mask: a thing Easel cannot find by name is the mask's area
  std::vector<std::string> planned_ops;  // the ops of the steps planned so far, in order
  bool cropping_forbidden = false;       // "don't crop" was said: later aspect changes extend the canvas
};

ClauseOutcome plan_clause(const Clause& clause, const std::vector<Quotation>& quotations, ClauseContext& context);

// The names of the rules in the order they are tried (docs/instructions.md lists them).
std::vector<const char*> clause_rule_names();

}  // namespace easel
