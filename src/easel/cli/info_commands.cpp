// easel ops [--json|--markdown], easel plan "INSTRUCTION" [--json]: what the engine can do and what it would do.
#include <iostream>

#include "easel/cli/commands.hpp"
#include "easel/cli/ops_reference.hpp"
#include "easel/ops/registry.hpp"
#include "easel/plan/plan_explainer.hpp"
#include "easel/plan/planner.hpp"

namespace easel::cli {
namespace {

void print_ops(bool as_json, bool as_markdown) {
  if (as_markdown) {
    std::cout << ops_reference_markdown();
    return;
  }
  if (as_json) {
    json ops = json::array();
    for (const auto& [name, spec] : registry().all()) ops.push_back(operation_to_json(spec));
    std::cout << json{{"operations", ops}}.dump(2) << "\n";
    return;
  }
  for (const auto& [name, spec] : registry().all()) {
    std::cout << name << " — " << spec.description << "\n";
    std::cout << "  model: " << spec.model << "; regions:";
    for (auto kind : spec.regions) std::cout << " " << region_kind_name(kind);
    std::cout << "\n";
    for (const auto& param : spec.params) {
      std::cout << "  " << param.name << " (" << param_type_name(param.type);
      if (param.min || param.max) {
        std::cout << ", " << (param.min ? json(*param.min).dump() : "") << ".."
                  << (param.max ? json(*param.max).dump() : "");
      }
      if (!param.choices.empty()) {
        std::cout << ":";
        for (const auto& choice : param.choices) std::cout << " " << choice;
      }
      if (!param.unit.empty()) std::cout << " " << param.unit;
      std::cout << ", default " << (param.default_value.is_null() ? "none" : param.default_value.dump()) << ")";
      std::cout << " " << param.description << "\n";
    }
  }
}

void print_plan(const std::string& instruction, bool as_json) {
  const EditPlan plan = plan_instruction(instruction);
  std::cout << (as_json ? to_json(plan).dump(2) + "\n" : explain_plan(plan));
}

}  // namespace

void add_info_commands(CLI::App& app, Action& action) {
  auto ops_json = std::make_shared<bool>(false);
  auto ops_markdown = std::make_shared<bool>(false);
  auto* ops = app.add_subcommand("ops", "List the operations with every parameter, type, default and range");
  auto* json_flag = ops->add_flag("--json", *ops_json, "Print JSON");
  ops->add_flag("--markdown", *ops_markdown, "Print the Markdown reference (docs/ops.md)")->excludes(json_flag);
  ops->callback([&action, ops_json, ops_markdown] {
    action = [ops_json, ops_markdown] { print_ops(*ops_json, *ops_markdown); };
  });

  auto instruction = std::make_shared<std::string>();
  auto plan_json = std::make_shared<bool>(false);
  auto* plan = app.add_subcommand("plan", "Show the EditPlan an instruction maps to, without running it");
  plan->add_option("instruction", *instruction, "The edit, in plain English")->required();
  plan->add_flag("--json", *plan_json, "Print the EditPlan JSON");
  plan->callback([&action, instruction, plan_json] {
    action = [instruction, plan_json] { print_plan(*instruction, *plan_json); };
  });
}

}  // namespace easel::cli
