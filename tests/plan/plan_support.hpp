#pragma once
// What the planner tests read from a plan.
#include <string>
#include <vector>

#include "easel/plan/edit_plan.hpp"

namespace easel::test {

// The plan's operations in order.
inline std::vector<std::string> ops_of(const EditPlan& plan) {
  std::vector<std::string> ops;
  for (const auto& step : plan.steps) ops.push_back(step.op);
  return ops;
}

}  // namespace easel::test
