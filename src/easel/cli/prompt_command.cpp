// easel prompt "PROMPT" [--json]: the structured prompt the optimizer makes of a short one.
#include <iostream>

#include "easel/cli/commands.hpp"
#include "easel/plan/prompt_optimizer.hpp"

namespace easel::cli {

void add_prompt_command(CLI::App& app, Action& action) {
  auto prompt = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto* command = app.add_subcommand(
      "prompt", "Expand a short generation prompt into subject, setting, lighting, camera, texture and style");
  command->add_option("prompt", *prompt, "The prompt, in plain English (quoted text is kept exactly)")->required();
  command->add_flag("--json", *as_json, "Print the parts, the revised prompt and a negative prompt as JSON");
  command->callback([&action, prompt, as_json] {
    action = [prompt, as_json] {
      const OptimizedPrompt optimized = optimize_prompt(*prompt);
      if (*as_json) {
        std::cout << to_json(optimized).dump(2) << "\n";
      } else {
        std::cout << optimized.prompt << "\n";
      }
    };
  });
}

}  // namespace easel::cli
