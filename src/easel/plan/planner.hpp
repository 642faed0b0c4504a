#pragma once
// The grammar planner: an English edit instruction → EditPlan (DESIGN §4) over the registry's ops.
// Every clause becomes steps, a `preserve` entry or an `unsupported` entry with a reason — never
// silently dropped. Vocabulary, magnitudes and limits: docs/instructions.md.
#include <cstddef>
#include <string>
#include <vector>

#include "easel/plan/edit_plan.hpp"

namespace easel {

// Limits on instructions: longer ones, or ones with more clauses, are refused with Error(usage).
inline constexpr std::size_t kMaxInstructionBytes = 32 * 1024;
inline constexpr std::size_t kMaxInstructionClauses = 200;
// A single clause longer than this is listed as unsupported (no edit is phrased in 100 words).
inline constexpr std::size_t kMaxClauseBytes = 600;

// What the request brings beside the words: reference images (`--ref`), used by color.match.
struct PlanInputs {
  std::vector<std::string> references;
  // `--mask`: the target of every step that would otherwise cover the whole image and accepts a mask.
  std::string mask;
};

// The plan as written, before checking it against this build's registry: ops are named as in DESIGN §3
// even when this build lacks them, and parameters are not yet filled in with defaults.
// Throws Error(usage) for an empty, over-long or non-UTF-8 instruction.
EditPlan draft_plan(const std::string& instruction, const PlanInputs& inputs = {});

// Makes `mask` (a file; nothing when empty) the target of every step that would otherwise cover the
// whole image and accepts a mask. The one place a user's mask restricts steps, for planned and explicit
// plans alike.
void bind_mask(EditPlan& plan, const std::string& mask);

// draft_plan, then validate_plan. A step this build cannot run as planned — its op is missing, or a
// required parameter (a reference image) was not given — moves to `unsupported`, saying which.
EditPlan plan_instruction(const std::string& instruction, const PlanInputs& inputs = {});

}  // namespace easel
