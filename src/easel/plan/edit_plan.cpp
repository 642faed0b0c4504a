#include "easel/plan/edit_plan.hpp"

#include <algorithm>

#include "easel/core/error.hpp"
#include "easel/core/json_input.hpp"
#include "easel/regions/region.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

std::string optional_string(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key) || object.at(key).is_null()) return {};
  if (!object.at(key).is_string()) throw Error(ErrorKind::plan, where + ": '" + key + "' must be a string");
  return object.at(key).get<std::string>();
}

std::vector<std::string> optional_strings(const json& object, const char* key, const std::string& where) {
  std::vector<std::string> strings;
  if (!object.contains(key) || object.at(key).is_null()) return strings;
  const json& value = object.at(key);
  if (!value.is_array() ||
      !std::all_of(value.begin(), value.end(), [](const json& item) { return item.is_string(); })) {
    throw Error(ErrorKind::plan, where + ": '" + key + "' must be an array of strings");
  }
  for (const auto& item : value) strings.push_back(item.get<std::string>());
  return strings;
}

const json& array_field(const json& document, const char* key) {
  static const json empty = json::array();
  if (!document.contains(key)) return empty;
  if (!document.at(key).is_array()) throw Error(ErrorKind::plan, std::string("plan: '") + key + "' must be an array");
  return document.at(key);
}

std::string step_where(size_t index, const std::string& op) {
  return "step " + std::to_string(index + 1) + (op.empty() ? "" : " (" + op + ")");
}

// The target kinds a preserve entry may name: every kind that resolves to pixels of the source.
const OperationSpec& preserve_spec() {
  static const OperationSpec spec = [] {
    OperationSpec preserve;
    preserve.name = "preserve";
    preserve.regions = {RegionKind::named,        RegionKind::box,    RegionKind::mask, RegionKind::color,
                        RegionKind::segmentation, RegionKind::object, RegionKind::text};
    return preserve;
  }();
  return spec;
}

json validate_keep_target(const json& target, const std::string& where) {
  if (target.is_null()) throw Error(ErrorKind::plan, where + ": a preserve entry needs a 'target' (what to keep)");
  return validate_target(target, preserve_spec(), where);
}

}  // namespace

EditPlan parse_edit_plan(std::string_view text) {
  if (text.size() > kMaxPlanBytes) {
    throw Error(ErrorKind::plan, "plan: " + std::to_string(text.size()) + " bytes is above the limit of " +
                                     std::to_string(kMaxPlanBytes) + " bytes");
  }
  json document;
  try {
    document = parse_json_input(text, kDefaultMaxJsonDepth);
  } catch (const json::exception& error) {  // parse errors, and numbers too large for a double
    throw Error(ErrorKind::plan, std::string("plan: not valid JSON (") + error.what() + ")");
  } catch (const JsonTooDeep& error) {
    throw Error(ErrorKind::plan, std::string("plan: ") + error.what());
  }
  return edit_plan_from_json(document);
}

EditPlan edit_plan_from_json(const json& document) {
  if (!document.is_object()) throw Error(ErrorKind::plan, "plan: must be a JSON object with a 'steps' array");
  EditPlan plan;
  plan.instruction = optional_string(document, "instruction", "plan");
  const json& steps = array_field(document, "steps");
  if (steps.size() > kMaxPlanSteps) {
    throw Error(ErrorKind::plan, "plan: " + std::to_string(steps.size()) + " steps is above the limit of " +
                                     std::to_string(kMaxPlanSteps));
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    if (!step.is_object()) throw Error(ErrorKind::plan, step_where(i, "") + ": must be an object with an 'op'");
    PlanStep parsed;
    parsed.op = optional_string(step, "op", step_where(i, ""));
    if (parsed.op.empty()) throw Error(ErrorKind::plan, step_where(i, "") + ": 'op' is missing");
    parsed.target = step.value("target", json());
    parsed.params = step.value("params", json::object());
    parsed.clause = optional_string(step, "clause", step_where(i, parsed.op));
    parsed.also_clauses = optional_strings(step, "also_clauses", step_where(i, parsed.op));
    if (step.contains("keep")) {
      if (!step.at("keep").is_array())
        throw Error(ErrorKind::plan, step_where(i, parsed.op) + ": 'keep' must be an array of targets");
      parsed.keep = step.at("keep");
    }
    plan.steps.push_back(std::move(parsed));
  }
  for (const json& item : array_field(document, "preserve")) {
    if (!item.is_object()) throw Error(ErrorKind::plan, "plan: each 'preserve' entry must be an object");
    plan.preserve.push_back({item.value("target", json()), optional_string(item, "clause", "preserve")});
  }
  for (const json& item : array_field(document, "unsupported")) {
    if (!item.is_object()) throw Error(ErrorKind::plan, "plan: each 'unsupported' entry must be an object");
    plan.unsupported.push_back(
        {optional_string(item, "clause", "unsupported"), optional_string(item, "reason", "unsupported")});
  }
  return plan;
}

json to_json(const EditPlan& plan) {
  json steps = json::array();
  for (const auto& step : plan.steps) {
    json item = {{"op", step.op},
                 {"target", step.target.is_null() ? json{{"region", "all"}} : step.target},
                 {"params", step.params}};
    if (!step.clause.empty()) item["clause"] = step.clause;
    if (!step.also_clauses.empty()) item["also_clauses"] = step.also_clauses;
    if (!step.keep.empty()) item["keep"] = step.keep;
    steps.push_back(std::move(item));
  }
  json preserve = json::array();
  for (const auto& item : plan.preserve) preserve.push_back({{"target", item.target}, {"clause", item.clause}});
  json unsupported = json::array();
  for (const auto& item : plan.unsupported) unsupported.push_back({{"clause", item.clause}, {"reason", item.reason}});
  return {{"instruction", plan.instruction}, {"steps", steps}, {"preserve", preserve}, {"unsupported", unsupported}};
}

void validate_plan(EditPlan& plan) {
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& step = plan.steps[i];
    const std::string where = step_where(i, step.op);
    const OperationSpec* spec = registry().find(step.op);
    if (spec == nullptr) {
      try {
        registry().get(step.op);
      } catch (const Error& error) {
        throw Error(ErrorKind::plan, where + ": " + error.what());
      }
    }
    step.params = validate_params(*spec, step.params, where);
    step.target = validate_target(step.target, *spec, where);
    for (json& target : step.keep) target = validate_keep_target(target, where + ", keep");
  }
  for (size_t i = 0; i < plan.preserve.size(); ++i) {
    plan.preserve[i].target = validate_keep_target(plan.preserve[i].target, "preserve " + std::to_string(i + 1));
  }
}

void bind_preserve_to_steps(EditPlan& plan) {
  json targets = json::array();
  for (const auto& item : plan.preserve) targets.push_back(item.target);
  for (auto& step : plan.steps) {
    for (const json& target : targets) {
      if (std::find(step.keep.begin(), step.keep.end(), target) == step.keep.end()) step.keep.push_back(target);
    }
  }
}

}  // namespace easel
