// The small instruction grammar: every clause becomes steps, a preserve entry or an unsupported entry.
#include <gtest/gtest.h>

#include "easel/core/error.hpp"
#include "easel/plan/instruction_parser.hpp"

namespace easel {
namespace {

std::vector<std::string> ops_of(const EditPlan& plan) {
  std::vector<std::string> ops;
  for (const auto& step : plan.steps) ops.push_back(step.op);
  return ops;
}

TEST(InstructionParser, TheReadmeExampleMapsToThreeSteps) {
  const EditPlan plan = plan_instruction("increase the contrast, make the left half warmer, then crop to 16:9");
  ASSERT_EQ(ops_of(plan), (std::vector<std::string>{"color.adjust", "color.adjust", "image.crop"}));
  EXPECT_GT(plan.steps[0].params["contrast"].get<double>(), 0);
  EXPECT_EQ(plan.steps[0].target["region"], "all");
  EXPECT_GT(plan.steps[1].params["warmth"].get<double>(), 0);
  EXPECT_EQ(plan.steps[1].target["region"], "left");
  EXPECT_EQ(plan.steps[2].params["aspect"], "16:9");
  EXPECT_EQ(plan.steps[1].clause, "make the left half warmer");
  EXPECT_TRUE(plan.unsupported.empty());
}

TEST(InstructionParser, IntensityWordsScaleTheAmount) {
  const double normal = plan_instruction("increase the contrast").steps[0].params["contrast"];
  EXPECT_DOUBLE_EQ(plan_instruction("increase the contrast slightly").steps[0].params["contrast"].get<double>(), normal / 2);
  EXPECT_DOUBLE_EQ(plan_instruction("increase the contrast a lot").steps[0].params["contrast"].get<double>(), normal * 2);
  EXPECT_DOUBLE_EQ(plan_instruction("reduce contrast by 40%").steps[0].params["contrast"].get<double>(), -0.4);
  const EditPlan stop = plan_instruction("brighten the exposure by one stop");
  EXPECT_DOUBLE_EQ(stop.steps[0].params["exposure"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(stop.steps[0].params["brightness"].get<double>(), 0.0);
}

TEST(InstructionParser, ADirectionCarriesToTheNextClause) {
  const EditPlan plan = plan_instruction("Increase the contrast and saturation");
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_GT(plan.steps[1].params["saturation"].get<double>(), 0);
}

TEST(InstructionParser, BlackAndWhiteIsOneClause) {
  const EditPlan plan = plan_instruction("make it black and white");
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].params["saturation"], -1.0);
  EXPECT_EQ(plan.steps[0].clause, "make it black and white");
}

TEST(InstructionParser, GeometryPhrases) {
  EXPECT_EQ(plan_instruction("resize to 1080 pixels wide").steps[0].params["width"], 1080);
  EXPECT_EQ(plan_instruction("scale it by 50%").steps[0].params["scale"], 0.5);
  EXPECT_EQ(plan_instruction("double the size").steps[0].params["scale"], 2.0);
  const EditPlan square = plan_instruction("crop it square keeping the top");
  ASSERT_EQ(square.steps.size(), 1u);
  EXPECT_EQ(square.steps[0].params["aspect"], "1:1");
  EXPECT_EQ(square.steps[0].params["anchor"], "top");
  const EditPlan expand = plan_instruction("extend the canvas to 16:9 with white");
  EXPECT_EQ(expand.steps[0].op, "canvas.expand");
  EXPECT_EQ(expand.steps[0].params["fill"], "color");
}

TEST(InstructionParser, RegionsAndColourAreas) {
  EXPECT_EQ(plan_instruction("darken the top-right corner").steps[0].target["region"], "top-right");
  EXPECT_EQ(plan_instruction("desaturate the red areas").steps[0].target["color"], "red");
  EXPECT_EQ(plan_instruction("make the background cooler").steps[0].target["region"], "background");
}

TEST(InstructionParser, NothingIsDroppedSilently) {
  const EditPlan plan = plan_instruction("Add a hat to the cat; increase contrast. Keep the face as it is. crop");
  EXPECT_EQ(ops_of(plan), (std::vector<std::string>{"color.adjust"}));
  ASSERT_EQ(plan.unsupported.size(), 2u);
  EXPECT_EQ(plan.unsupported[0].clause, "Add a hat to the cat");
  EXPECT_EQ(plan.unsupported[1].clause, "crop");
  EXPECT_NE(plan.unsupported[1].reason.find("aspect ratio"), std::string::npos);
  ASSERT_EQ(plan.preserve.size(), 1u);
  EXPECT_EQ(plan.preserve[0].clause, "Keep the face as it is");
}

TEST(InstructionParser, EmptyAndOverlongInstructionsAreUsageErrors) {
  EXPECT_THROW(plan_instruction("   "), Error);
  EXPECT_THROW(plan_instruction(std::string(kMaxInstructionBytes + 1, 'a')), Error);
}

TEST(EditPlanJson, RoundTripsAndRejectsMalformedPlans) {
  EditPlan plan = plan_instruction("increase the contrast, then crop to 4:5");
  const json text = to_json(plan);
  EditPlan again = parse_edit_plan(text.dump());
  validate_plan(again);
  EXPECT_EQ(to_json(again), text);
  const auto kind_of = [](const std::string& input) {
    try {
      EditPlan parsed = parse_edit_plan(input);
      validate_plan(parsed);
    } catch (const Error& error) {
      return error.kind();
    }
    return ErrorKind::internal;
  };
  EXPECT_EQ(kind_of("{\"steps\": ["), ErrorKind::plan);
  EXPECT_EQ(kind_of("[]"), ErrorKind::plan);
  EXPECT_EQ(kind_of("{\"steps\": [{\"params\": {}}]}"), ErrorKind::plan);
  EXPECT_EQ(kind_of("{\"steps\": [{\"op\": \"paint.sky\"}]}"), ErrorKind::plan);
  EXPECT_EQ(kind_of("{\"steps\": [{\"op\": \"color.adjust\", \"target\": {\"region\": \"moon\"}}]}"), ErrorKind::plan);
  EXPECT_EQ(kind_of("{\"steps\": [{\"op\": \"color.adjust\", \"target\": {\"box\": [0.5, 0.5, 0.6, 0.1]}}]}"), ErrorKind::plan);
  EXPECT_EQ(kind_of("{\"steps\": [{\"op\": \"color.adjust\", \"params\": {\"gamma\": 0}}]}"), ErrorKind::plan);
}

}  // namespace
}  // namespace easel
