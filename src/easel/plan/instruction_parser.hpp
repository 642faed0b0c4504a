#pragma once
// A small grammar that turns an English edit instruction into an EditPlan over the ops this build has.
// Each clause (split on sentence ends, ";", ",", "then", "and") becomes steps, a preserve entry, or an
// `unsupported` entry with a reason — never silently dropped. The magnitudes of words like "slightly"
// are documented in docs/instructions.md. (The full planner is its own piece of work and replaces this.)
#include <string>

#include "easel/plan/edit_plan.hpp"

namespace easel {

// Limit on instruction length, in bytes.
inline constexpr std::size_t kMaxInstructionBytes = 4000;

// The returned plan is validated. Throws Error(usage) for an empty or over-long instruction.
EditPlan plan_instruction(const std::string& instruction);

}  // namespace easel
