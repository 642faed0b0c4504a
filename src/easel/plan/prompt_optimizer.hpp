#pragma once
// Prompt optimizer for generation: a short prompt → the usual structure of strong prompts (subject,
// setting, lighting, camera/lens, texture, style), filled from a template for its kind — product shot,
// portrait, landscape, interior, text on an object — wherever the user left a part out. The user's own
// words stay first and unchanged; quoted text is kept byte for byte and no text is ever invented.
// The expanded prompt is returned and shown, like OpenAI's `revised_prompt`.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace easel {

using json = nlohmann::json;

inline constexpr std::size_t kMaxPromptBytes = 4000;

struct PromptParts {
  std::string subject;  // the user's words
  std::string setting;  // each of these: added from the template, or empty when the user said it
  std::string lighting;
  std::string camera;
  std::string texture;
  std::string style;
};

struct OptimizedPrompt {
  std::string original;
  std::string kind;  // product, portrait, landscape, interior, text-on-object, general
  PromptParts parts;
  std::vector<std::string> given;  // the parts the user's words already covered ("lighting", …)
  std::vector<std::string> texts;  // quoted strings, exactly as written
  std::string prompt;              // the revised prompt
  std::string negative;            // a negative prompt suited to the kind
};

// Throws Error(usage) for an empty, over-long or non-UTF-8 prompt.
OptimizedPrompt optimize_prompt(const std::string& prompt);
json to_json(const OptimizedPrompt& optimized);

}  // namespace easel
