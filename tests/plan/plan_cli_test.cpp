// The planner's doors on the command line: `easel plan`, `easel edit -p … --explain`, `easel prompt`.
#include <gtest/gtest.h>

#include <filesystem>

#include "easel/image/codec.hpp"
#include "easel/plan/edit_plan.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

TEST(PlanCli, PlanJsonIsAValidEditPlanWithEveryClauseAccountedFor) {
  const test::CliRun run = test::run_easel(
      {"plan", "Preserve: the bottle. Edit: incrase the contrst, rotate it, then crop to 4:5", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EditPlan plan = parse_edit_plan(run.out);
  validate_plan(plan);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].op, "color.adjust");
  EXPECT_EQ(plan.steps[1].op, "image.crop");
  EXPECT_EQ(plan.preserve.size(), 1u);
  ASSERT_EQ(plan.unsupported.size(), 1u);
  EXPECT_EQ(plan.unsupported[0].clause, "rotate it");
}

TEST(PlanCli, EditExplainsThePlanInWordsThenRunsIt) {
  const auto dir = test::temp_dir();
  const auto output = dir / "out.png";
  const test::CliRun run =
      test::run_easel({"edit", test::photo("coffee.png").string(), "-p",
                       "make the left half a bit warmer and crop it square", "--explain", "-o", output.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("1. color.adjust"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("on the left half; warmth 0.15"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("2. image.crop"), std::string::npos) << run.out;
  ASSERT_TRUE(std::filesystem::exists(output));
  const Image result = read_image_file(output, DecodeLimits{}).image;
  EXPECT_EQ(result.width(), result.height());
}

TEST(PlanCli, PromptPrintsTheRevisedPromptKeepingQuotedText) {
  const test::CliRun text = test::run_easel({"prompt", "a tote bag printed with “Hello, Sunshine”"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("a tote bag printed with “Hello, Sunshine”, ", 0), 0u) << text.out;
  const test::CliRun structured = test::run_easel({"prompt", "a cabin in a snowy forest", "--json"});
  ASSERT_EQ(structured.exit_code, 0) << structured.err;
  const json parsed = json::parse(structured.out);
  EXPECT_EQ(parsed["kind"], "landscape");
  EXPECT_EQ(parsed["parts"]["subject"], "a cabin in a snowy forest");
  EXPECT_FALSE(parsed["revised_prompt"].get<std::string>().empty());
  const test::CliRun empty = test::run_easel({"prompt", " "});
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.err.find("empty"), std::string::npos);
}

}  // namespace
}  // namespace easel
