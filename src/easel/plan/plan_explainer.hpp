#pragma once
// An EditPlan in words, for `easel plan` and `easel edit --explain`: each step as the registry
// describes its op, where it applies, and the parameters that differ from their defaults.
#include <string>

#include "easel/plan/edit_plan.hpp"

namespace easel {

// "the left half", "the red areas", "the text \"OPEN\"" …
std::string describe_target(const json& target);

// Numbered lines, then what is kept and what will not be done (with the reasons).
std::string explain_plan(const EditPlan& plan);

}  // namespace easel
