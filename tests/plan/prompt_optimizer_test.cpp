// The prompt optimizer: a template per kind fills the parts the user left out, never replaces the user's
// words, and never invents text to put on the image.
#include <gtest/gtest.h>

#include "easel/core/error.hpp"
#include "easel/plan/prompt_optimizer.hpp"

namespace easel {
namespace {

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

TEST(PromptOptimizer, EachKindGetsItsTemplateAfterTheUsersWords) {
  const struct {
    const char* prompt;
    const char* kind;
  } cases[] = {{"a perfume bottle", "product"},
               {"portrait of an old fisherman", "portrait"},
               {"a mountain lake", "landscape"},
               {"a scandinavian living room", "interior"},
               {"a red bicycle", "general"}};
  for (const auto& c : cases) {
    const OptimizedPrompt optimized = optimize_prompt(c.prompt);
    EXPECT_EQ(optimized.kind, c.kind) << c.prompt;
    EXPECT_EQ(optimized.prompt.rfind(c.prompt, 0), 0u)
        << "the user's words come first, unchanged: " << optimized.prompt;
    EXPECT_FALSE(optimized.parts.lighting.empty()) << c.prompt;
    EXPECT_FALSE(optimized.parts.style.empty()) << c.prompt;
    EXPECT_GT(optimized.prompt.size(), std::string(c.prompt).size() + 40) << c.prompt;
  }
  EXPECT_NE(optimize_prompt("a perfume bottle").prompt.find("studio"), std::string::npos);
  EXPECT_NE(optimize_prompt("portrait of an old fisherman").prompt.find("85mm"), std::string::npos);
}

TEST(PromptOptimizer, PartsTheUserGaveAreNotOverwritten) {
  const OptimizedPrompt optimized = optimize_prompt("a sneaker on a wet street at night, neon light, shot on 35mm");
  EXPECT_EQ(optimized.kind, "product");
  EXPECT_TRUE(optimized.parts.lighting.empty());
  EXPECT_TRUE(optimized.parts.camera.empty());
  EXPECT_TRUE(optimized.parts.setting.empty());
  EXPECT_EQ(optimized.prompt.find("studio lighting"), std::string::npos);
  // A watercolour gets no lens.
  const OptimizedPrompt painted = optimize_prompt("a watercolor of a fox");
  EXPECT_TRUE(painted.parts.camera.empty());
  EXPECT_EQ(painted.prompt.find("mm lens"), std::string::npos);
}

TEST(PromptOptimizer, QuotedTextIsKeptExactlyAndNoTextIsInvented) {
  for (const char* prompt : {"a coffee mug that says \"Monday, again\"", "a shop sign reading “Crème & Co.”",
                             "a neon sign with 'OPEN 24/7' in a rainy window"}) {
    const OptimizedPrompt optimized = optimize_prompt(prompt);
    EXPECT_EQ(optimized.kind, "text-on-object") << prompt;
    ASSERT_EQ(optimized.texts.size(), 1u) << prompt;
    EXPECT_EQ(count_of(optimized.prompt, optimized.texts[0]), 2u)
        << "as written, and named once more: " << optimized.prompt;
    // No quotation marks beyond the user's own pair and its repetition.
    const std::string added = optimized.prompt.substr(std::string(prompt).size());
    EXPECT_EQ(count_of(added, "\""), std::string(prompt).find('"') == std::string::npos ? 0u : 2u) << added;
  }
  EXPECT_EQ(optimize_prompt("a t-shirt on a hanger").texts.size(), 0u);
  EXPECT_EQ(optimize_prompt("a t-shirt on a hanger").prompt.find('"'), std::string::npos);
}

TEST(PromptOptimizer, BadPromptsAreUsageErrors) {
  EXPECT_THROW(optimize_prompt("  "), Error);
  EXPECT_THROW(optimize_prompt(std::string(kMaxPromptBytes + 1, 'a')), Error);
  EXPECT_THROW(optimize_prompt("a \xc3 cat"), Error);
}

}  // namespace
}  // namespace easel
