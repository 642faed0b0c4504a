#include "easel/plan/plan_explainer.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "easel/ops/registry.hpp"

namespace easel {
namespace {

std::string value_in_words(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    std::ostringstream text;
    text << value.get<double>();
    return text.str();
  }
  return value.dump();
}

// The parameters of `step` that differ from the op's defaults; all of them when the op is unknown.
std::string changed_params(const PlanStep& step) {
  const OperationSpec* spec = registry().find(step.op);
  std::string words;
  for (const auto& item : step.params.items()) {
    const std::string name = item.key();
    const json& value = item.value();
    if (value.is_null()) continue;
    std::string unit;
    if (spec != nullptr) {
      const auto param =
          std::find_if(spec->params.begin(), spec->params.end(), [&](const ParamSpec& p) { return p.name == name; });
      if (param != spec->params.end()) {
        if (param->default_value == value) continue;
        unit = param->unit;
      }
    }
    words += (words.empty() ? "" : ", ") + name + " " + value_in_words(value) + (unit.empty() ? "" : " " + unit);
  }
  return words;
}

}  // namespace

std::string describe_target(const json& target) {
  static const std::map<std::string, std::string> names{{"all", "the whole image"},
                                                        {"left", "the left half"},
                                                        {"right", "the right half"},
                                                        {"top", "the top half"},
                                                        {"bottom", "the bottom half"},
                                                        {"center", "the centre"},
                                                        {"top-left", "the top-left corner"},
                                                        {"top-right", "the top-right corner"},
                                                        {"bottom-left", "the bottom-left corner"},
                                                        {"bottom-right", "the bottom-right corner"},
                                                        {"left-third", "the left third"},
                                                        {"center-third", "the centre third (vertical band)"},
                                                        {"right-third", "the right third"},
                                                        {"top-third", "the top third"},
                                                        {"middle-third", "the middle third (horizontal band)"},
                                                        {"bottom-third", "the bottom third"},
                                                        {"background", "the background"},
                                                        {"subject", "the subject"},
                                                        {"foreground", "the foreground"},
                                                        {"product", "the product"},
                                                        {"person", "the person"}};
  if (target.is_null()) return "the whole image";
  if (target.contains("region")) {
    const std::string name =
        target["region"].is_string() ? target["region"].get<std::string>() : target["region"].dump();
    const auto found = names.find(name);
    return found != names.end() ? found->second : "the " + name + " region";
  }
  if (target.contains("color")) return "the areas coloured " + value_in_words(target["color"]);
  if (target.contains("text")) return "the text \"" + value_in_words(target["text"]) + "\"";
  if (target.contains("mask")) return "the mask " + value_in_words(target["mask"]);
  if (target.contains("box")) return "the box " + target["box"].dump() + " (x, y, width, height as fractions)";
  if (target.contains("object")) {
    const json& object = target["object"];
    const std::string where = object.is_string() ? object.get<std::string>() : object.value("where", "all");
    std::string words = "the largest ";
    if (object.is_object() && object.contains("color")) words += value_in_words(object["color"]) + " ";
    words += "object";
    if (where != "all") words += " in " + describe_target(json{{"region", where}});
    return words;
  }
  return target.dump();
}

std::string explain_plan(const EditPlan& plan) {
  std::ostringstream text;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const PlanStep& step = plan.steps[i];
    const OperationSpec* spec = registry().find(step.op);
    text << (i + 1) << ". " << step.op << ": " << (spec != nullptr ? spec->description : "(not in this build)") << "\n"
         << "   on " << describe_target(step.target);
    if (const std::string params = changed_params(step); !params.empty()) text << "; " << params;
    text << "\n";
    if (!step.clause.empty()) {
      text << "   from \"" << step.clause << "\"";
      for (const auto& also : step.also_clauses) text << " and \"" << also << "\"";
      text << "\n";
    }
  }
  if (plan.steps.empty()) text << "No steps.\n";
  for (const auto& item : plan.preserve)
    text << "keep " << describe_target(item.target) << " as it is, from \"" << item.clause << "\"\n";
  for (const auto& item : plan.unsupported) text << "not done: \"" << item.clause << "\": " << item.reason << "\n";
  return text.str();
}

}  // namespace easel
