// Fuzzes the EditPlan JSON reader and validator: any input must parse or fail with easel::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "easel/core/error.hpp"
#include "easel/plan/edit_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    easel::EditPlan plan = easel::parse_edit_plan(std::string_view(reinterpret_cast<const char*>(data), size));
    easel::validate_plan(plan);
    (void)easel::to_json(plan).dump();
  } catch (const easel::Error&) {
  }
  return 0;
}
