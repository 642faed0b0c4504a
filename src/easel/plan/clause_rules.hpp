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
};

// Read across clauses: "increase the contrast; the saturation too" raises both.
struct ClauseContext {
  int direction = 0;       // +1 up, -1 down, 0 not said yet
  std::string last_text;   // the text the latest text.add step typesets ("… below the title" goes under it)
};

ClauseOutcome plan_clause(const Clause& clause, const std::vector<Quotation>& quotations, ClauseContext& context);

// The names of the rules in the order they are tried (docs/instructions.md lists them).
std::vector<const char*> clause_rule_names();

}  // namespace easel
