// Fuzzes the instruction planner and the prompt optimizer: any byte string must be planned (a plan
// that validates and writes as JSON) or refused with easel::Error — never a crash, hang or other
// exception. The input is cut to the instruction limit plus a little, so the limit itself is exercised.
#include <cstddef>
#include <cstdint>
#include <string>

#include "easel/core/error.hpp"
#include "easel/plan/planner.hpp"
#include "easel/plan/prompt_optimizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), std::min(size, easel::kMaxInstructionBytes + 16));
  try {
    const easel::EditPlan plan = easel::plan_instruction(text);
    (void)easel::to_json(plan).dump();
  } catch (const easel::Error&) {
  }
  try {
    (void)easel::to_json(easel::optimize_prompt(text)).dump();
  } catch (const easel::Error&) {
  }
  return 0;
}
