#include "easel/ops/text_to_image.hpp"

#include <algorithm>

#include "easel/core/error.hpp"
#include "easel/ops/registry.hpp"

namespace easel {

const ParamSpec& text_to_image_setting(const std::string& name) {
  const OperationSpec& spec = registry().get("generate.image");
  const auto found =
      std::find_if(spec.params.begin(), spec.params.end(), [&](const ParamSpec& param) { return param.name == name; });
  if (found == spec.params.end())
    throw Error(ErrorKind::internal, "generate.image declares no parameter '" + name + "'");
  return *found;
}

nlohmann::json checked_text_to_image_setting(const std::string& name, const nlohmann::json& value) {
  try {
    return validate_param_value(text_to_image_setting(name), value, "generate.image");
  } catch (const Error& error) {
    throw Error(ErrorKind::usage, error.what(), name);
  }
}

}  // namespace easel
