#include "easel/ops/registry.hpp"

#include <algorithm>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/ops/operations.hpp"

namespace easel {

cv::Scalar Params::color(const std::string& name) const { return *parse_color(text(name)); }

AspectRatio Params::aspect(const std::string& name) const { return *parse_aspect_ratio(values_.at(name)); }

cv::Rect Params::box(const std::string& name, cv::Size image) const {
  const auto& fractions = values_.at(name);
  const int x = static_cast<int>(std::lround(fractions[0].get<double>() * image.width));
  const int y = static_cast<int>(std::lround(fractions[1].get<double>() * image.height));
  const int right =
      static_cast<int>(std::lround((fractions[0].get<double>() + fractions[2].get<double>()) * image.width));
  const int bottom =
      static_cast<int>(std::lround((fractions[1].get<double>() + fractions[3].get<double>()) * image.height));
  return cv::Rect(cv::Point(x, y), cv::Point(std::max(right, x + 1), std::max(bottom, y + 1))) &
         cv::Rect(0, 0, image.width, image.height);
}

void Registry::add(OperationSpec spec) {
  const std::string name = spec.name;
  ops_.emplace(name, std::move(spec));
}

const OperationSpec* Registry::find(const std::string& name) const {
  const auto found = ops_.find(name);
  return found == ops_.end() ? nullptr : &found->second;
}

const OperationSpec& Registry::get(const std::string& name) const {
  if (const auto* spec = find(name)) return *spec;
  std::string known;
  for (const auto& [op_name, spec] : ops_) known += (known.empty() ? "" : ", ") + op_name;
  throw Error(ErrorKind::plan, "unknown operation '" + name + "' (known: " + known + "; see `easel ops`)");
}

const Registry& registry() {
  static const Registry instance = [] {
    Registry all;
    register_color_adjust(all);
    register_image_crop(all);
    register_image_resize(all);
    register_canvas_expand(all);
    register_text_add(all);
    register_text_replace(all);
    register_region_recolor(all);
    register_object_remove(all);
    register_style_apply(all);
    register_color_match(all);
    register_image_composite(all);
    register_image_upscale(all);
    register_background_replace(all);
    register_background_remove(all);
    register_background_blur(all);
    register_generate_image(all);
    register_generate_img2img(all);
    register_generate_variation(all);
    register_generate_instruct(all);
    register_object_add(all);
    register_object_replace(all);
    return all;
  }();
  return instance;
}

json validate_params(const OperationSpec& spec, const json& given, const std::string& where) {
  if (!given.is_null() && !given.is_object()) {
    throw Error(ErrorKind::plan, where + ": 'params' must be an object, got " + given.dump());
  }
  json resolved = json::object();
  for (const auto& param : spec.params) {
    if (given.is_object() && given.contains(param.name) && !given.at(param.name).is_null()) {
      resolved[param.name] = validate_param_value(param, given.at(param.name), where);
    } else if (param.required) {
      throw Error(ErrorKind::plan, where + ": parameter '" + param.name + "' is required (" + param.description + ")");
    } else {
      resolved[param.name] = param.default_value;
    }
  }
  if (given.is_object()) {
    for (const auto& item : given.items()) {
      const std::string name = item.key();
      const bool declared = std::any_of(spec.params.begin(), spec.params.end(),
                                        [&](const ParamSpec& param) { return param.name == name; });
      if (!declared) {
        std::string allowed;
        for (const auto& param : spec.params) allowed += (allowed.empty() ? "" : ", ") + param.name;
        throw Error(ErrorKind::plan,
                    where + ": unknown parameter '" + name + "' for " + spec.name + " (allowed: " + allowed + ")");
      }
    }
  }
  if (spec.check) spec.check(Params(resolved), where);
  return resolved;
}

const char* region_kind_name(RegionKind kind) {
  switch (kind) {
    case RegionKind::all:
      return "all";
    case RegionKind::named:
      return "region";
    case RegionKind::box:
      return "box";
    case RegionKind::mask:
      return "mask";
    case RegionKind::color:
      return "color";
    case RegionKind::segmentation:
      return "segmentation";
    case RegionKind::text:
      return "text";
    case RegionKind::object:
      return "object";
    case RegionKind::below_text:
      return "below";
  }
  return "unknown";
}

json operation_to_json(const OperationSpec& spec) {
  json params = json::array();
  for (const auto& param : spec.params) params.push_back(param_spec_to_json(param));
  json regions = json::array();
  for (auto kind : spec.regions) regions.push_back(region_kind_name(kind));
  return {{"name", spec.name},   {"description", spec.description},      {"params", params}, {"regions", regions},
          {"model", spec.model}, {"changes_canvas", spec.changes_canvas}};
}

}  // namespace easel
