// The instruction grammar's text clauses: quoted text is kept byte for byte, whatever the quotes.
#include <gtest/gtest.h>

#include "easel/plan/planner.hpp"

namespace easel {
namespace {

TEST(TextInstruction, TheDesignExampleAddsTextAtTheTop) {
  const EditPlan plan = plan_instruction("Add the text \"Morning Blend\" at the top");
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].op, "text.add");
  EXPECT_EQ(plan.steps[0].params["text"], "Morning Blend");
  EXPECT_EQ(plan.steps[0].target, (json{{"region", "top"}}));
  EXPECT_EQ(plan.steps[0].clause, "Add the text \"Morning Blend\" at the top");
  EXPECT_TRUE(plan.unsupported.empty());
}

TEST(TextInstruction, EveryKindOfQuoteKeepsTheTextByteForByte) {
  for (const char* instruction :
       {"add the text \"Morning Blend\" at the top", "add the text “Morning Blend” at the top",
        "add the text ‘Morning Blend’ at the top", "add the text 'Morning Blend' at the top",
        "add the text «Morning Blend» at the top", "add the text „Morning Blend“ at the top"}) {
    const EditPlan plan = plan_instruction(instruction);
    ASSERT_EQ(plan.steps.size(), 1u) << instruction;
    EXPECT_EQ(plan.steps[0].params["text"], "Morning Blend") << instruction;
    EXPECT_EQ(plan.steps[0].target["region"], "top") << instruction;
  }
}

TEST(TextInstruction, SeparatorsAndRegionWordsInsideQuotesAreText) {
  const EditPlan plan =
      plan_instruction("write \"Salt, Pepper and Top Left. Then THE END\" in the bottom right corner");
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].params["text"], "Salt, Pepper and Top Left. Then THE END");
  EXPECT_EQ(plan.steps[0].target["region"], "bottom-right");
  const EditPlan accents = plan_instruction("add the text \"Crème brûlée — 50% OFF © 2024\"");
  EXPECT_EQ(accents.steps[0].params["text"], "Crème brûlée — 50% OFF © 2024");
  EXPECT_EQ(accents.steps[0].target["region"], "center");
}

TEST(TextInstruction, FontColourSizeAndEffectsComeFromTheClause) {
  const EditPlan plan = plan_instruction(
      "put the text \"SALE\" in red bold handwritten letters 36pt with a drop shadow on a badge at the bottom");
  ASSERT_EQ(plan.steps.size(), 1u);
  const json& params = plan.steps[0].params;
  EXPECT_EQ(params["font"], "bold handwritten");
  EXPECT_EQ(params["color"], "red");
  EXPECT_DOUBLE_EQ(params["size"].get<double>(), 48);  // 36 pt at 96 pixels per inch
  EXPECT_GT(params["shadow"].get<double>(), 0);
  EXPECT_NE(params["box_color"], "none");
  EXPECT_EQ(plan.steps[0].target["region"], "bottom");
  const EditPlan outlined = plan_instruction("write \"Hello\" in white outlined monospace text centered");
  ASSERT_EQ(outlined.steps.size(), 1u);
  EXPECT_EQ(outlined.steps[0].params["font"], "monospace");
  EXPECT_EQ(outlined.steps[0].params["color"], "white");
  EXPECT_GT(outlined.steps[0].params["outline"].get<double>(), 0);
  EXPECT_EQ(outlined.steps[0].target["region"], "center");
}

TEST(TextInstruction, TextBesideOtherEditsAndApostrophesOutsideQuotes) {
  const EditPlan plan = plan_instruction(
      "increase the contrast, then add the text \"Don't Stop\" at the bottom. Don't change the subject");
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].op, "color.adjust");
  EXPECT_EQ(plan.steps[1].params["text"], "Don't Stop");
  EXPECT_EQ(plan.preserve.size(), 1u);
}

TEST(TextInstruction, WatermarksAreFaintAndReplacingTextNamesBothStrings) {
  const EditPlan watermark = plan_instruction("add a watermark \"© Jane Doe\"");
  ASSERT_EQ(watermark.steps.size(), 1u);
  EXPECT_LT(watermark.steps[0].params["opacity"].get<double>(), 1);
  EXPECT_EQ(watermark.steps[0].target["region"], "bottom-right");
  const EditPlan replace = plan_instruction("replace \"OPEN\" with “CLOSED, SORRY”");
  ASSERT_EQ(replace.steps.size(), 1u);
  EXPECT_EQ(replace.steps[0].op, "text.replace");
  EXPECT_EQ(replace.steps[0].params["find"], "OPEN");
  EXPECT_EQ(replace.steps[0].params["replace"], "CLOSED, SORRY");
  const EditPlan one_text = plan_instruction("replace \"OPEN\"");
  EXPECT_TRUE(one_text.steps.empty());
  ASSERT_EQ(one_text.unsupported.size(), 1u);
}

}  // namespace
}  // namespace easel
