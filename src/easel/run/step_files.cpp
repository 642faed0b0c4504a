#include "easel/run/step_files.hpp"

#include "easel/ops/registry.hpp"

namespace easel {

std::vector<json*> file_paths_of(PlanStep& step) {
  std::vector<json*> paths;
  if (step.target.is_object() && step.target.contains("mask")) paths.push_back(&step.target["mask"]);
  for (json& kept : step.keep) {
    if (kept.is_object() && kept.contains("mask")) paths.push_back(&kept["mask"]);
  }
  if (const OperationSpec* spec = registry().find(step.op); spec && step.params.is_object()) {
    for (const ParamSpec& param : spec->params) {
      if (param.type != ParamType::image_file) continue;
      const auto found = step.params.find(param.name);
      if (found != step.params.end() && found->is_string()) paths.push_back(&*found);
    }
  }
  return paths;
}

}  // namespace easel
