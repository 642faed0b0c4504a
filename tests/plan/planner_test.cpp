// The grammar planner: clause splitting, magnitudes, regions, preserve sections, spelling, limits, and
// what happens to steps this build cannot run.
#include <gtest/gtest.h>

#include <chrono>

#include "easel/core/error.hpp"
#include "easel/ops/registry.hpp"
#include "easel/plan/planner.hpp"
#include "support/test_support.hpp"
#include "plan/plan_support.hpp"

namespace easel {
namespace {

using test::ops_of;

TEST(Planner, TheReadmeExampleMapsToThreeSteps) {
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

TEST(Planner, ASecondQuotedTextAfterAndIsASecondTextStepPlacedUnderTheFirst) {
  const EditPlan plan =
      plan_instruction("add the title \"Summer Sale\" at the top and the text \"50% off\" below the title");
  ASSERT_EQ(ops_of(plan), (std::vector<std::string>{"text.add", "text.add"}));
  EXPECT_EQ(plan.steps[0].params["text"], "Summer Sale");
  EXPECT_EQ(plan.steps[0].target["region"], "top");
  EXPECT_EQ(plan.steps[1].params["text"], "50% off");
  EXPECT_EQ(plan.steps[1].target, (json{{"below", "Summer Sale"}}));
  EXPECT_EQ(plan.steps[1].clause, "the text \"50% off\" below the title");
  EXPECT_TRUE(plan.unsupported.empty());
}

TEST(Planner, IntensityWordsScaleTheAmount) {
  const double normal = plan_instruction("increase the contrast").steps[0].params["contrast"];
  EXPECT_DOUBLE_EQ(plan_instruction("increase the contrast slightly").steps[0].params["contrast"].get<double>(),
                   normal / 2);
  EXPECT_DOUBLE_EQ(plan_instruction("increase the contrast a bit").steps[0].params["contrast"].get<double>(),
                   normal / 2);
  EXPECT_DOUBLE_EQ(plan_instruction("increase the contrast a lot").steps[0].params["contrast"].get<double>(),
                   normal * 2);
  EXPECT_DOUBLE_EQ(plan_instruction("much more contrast").steps[0].params["contrast"].get<double>(), normal * 2);
  EXPECT_DOUBLE_EQ(plan_instruction("reduce contrast by 40%").steps[0].params["contrast"].get<double>(), -0.4);
  const EditPlan stop = plan_instruction("brighten the exposure by one stop");
  EXPECT_DOUBLE_EQ(stop.steps[0].params["exposure"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(stop.steps[0].params["brightness"].get<double>(), 0.0);
}

TEST(Planner, AndJoinsPropertiesButSplitsActions) {
  const EditPlan both = plan_instruction("Increase the contrast and saturation");
  ASSERT_EQ(both.steps.size(), 1u);
  EXPECT_GT(both.steps[0].params["contrast"].get<double>(), 0);
  EXPECT_GT(both.steps[0].params["saturation"].get<double>(), 0);
  const EditPlan two = plan_instruction("increase the contrast and crop to 4:5");
  EXPECT_EQ(ops_of(two), (std::vector<std::string>{"color.adjust", "image.crop"}));
  EXPECT_EQ(two.steps[1].clause, "crop to 4:5");
}

TEST(Planner, ADirectionCarriesToTheNextClause) {
  const EditPlan plan = plan_instruction("lower the contrast; the saturation too");
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_LT(plan.steps[1].params["saturation"].get<double>(), 0);
}

TEST(Planner, BlackAndWhiteIsOneClause) {
  const EditPlan plan = plan_instruction("make it black and white");
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].params["saturation"], -1.0);
  EXPECT_EQ(plan.steps[0].clause, "make it black and white");
}

TEST(Planner, GeometryPhrases) {
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
  const EditPlan story = plan_instruction("make it an Instagram story");
  ASSERT_EQ(ops_of(story), (std::vector<std::string>{"image.crop", "image.resize"}));
  EXPECT_EQ(story.steps[0].params["aspect"], "9:16");
  EXPECT_EQ(story.steps[1].params["width"], 1080);
  EXPECT_EQ(story.steps[1].params["height"], 1920);
}

TEST(Planner, RegionsAndColourAreas) {
  EXPECT_EQ(plan_instruction("darken the top-right corner").steps[0].target["region"], "top-right");
  EXPECT_EQ(plan_instruction("desaturate the red areas").steps[0].target["color"], "red");
  EXPECT_EQ(plan_instruction("make the background cooler").steps[0].target["region"], "background");
  EXPECT_EQ(plan_instruction("brighten the bottom third").steps[0].target["region"], "bottom-third");
  EXPECT_EQ(plan_instruction("brighten the product").steps[0].target["region"], "subject");
}

TEST(Planner, SpellingAndCasingDoNotMatter) {
  const EditPlan plan = plan_instruction("INCRASE THE CONTRST, then maek the bakground warmr");
  ASSERT_EQ(ops_of(plan), (std::vector<std::string>{"color.adjust", "color.adjust"}));
  EXPECT_GT(plan.steps[0].params["contrast"].get<double>(), 0);
  EXPECT_EQ(plan.steps[1].target["region"], "background");
  EXPECT_GT(plan.steps[1].params["warmth"].get<double>(), 0);
  // Ordinary words near a keyword stay themselves: "bottle" is not "bottom".
  EXPECT_EQ(plan_instruction("keep the bottle as it is").preserve[0].clause, "keep the bottle as it is");
  const EditPlan bottle = plan_instruction("brighten the bottle");
  ASSERT_EQ(bottle.unsupported.size(), 1u);  // a thing by name is not assumed to be the subject
  EXPECT_NE(bottle.unsupported[0].reason.find("\"the bottle\""), std::string::npos) << bottle.unsupported[0].reason;
}

TEST(Planner, PreserveAndEditSections) {
  const EditPlan plan =
      plan_instruction("Preserve: the bottle, the label and the shadow. Edit: make the background white, crop to 4:5");
  EXPECT_EQ(plan.preserve.size(), 3u);
  EXPECT_EQ(plan.preserve[1].clause, "the label");
  EXPECT_EQ(ops_of(plan), (std::vector<std::string>{"background.replace", "image.crop"}));
  EXPECT_EQ(plan.steps[0].params["color"], "#ffffffff");
}

TEST(Planner, NothingIsDroppedSilently) {
  const EditPlan plan = plan_instruction("Rotate it 90 degrees; increase contrast. Keep the face as it is. crop");
  EXPECT_EQ(ops_of(plan), (std::vector<std::string>{"color.adjust"}));
  ASSERT_EQ(plan.unsupported.size(), 2u);
  EXPECT_EQ(plan.unsupported[0].clause, "Rotate it 90 degrees");
  EXPECT_NE(plan.unsupported[0].reason.find("rotating"), std::string::npos);
  EXPECT_EQ(plan.unsupported[1].clause, "crop");
  EXPECT_NE(plan.unsupported[1].reason.find("aspect ratio"), std::string::npos);
  ASSERT_EQ(plan.preserve.size(), 1u);
  EXPECT_EQ(plan.preserve[0].clause, "Keep the face as it is");
}

TEST(Planner, StepsThisBuildCannotRunAreListedWithTheReason) {
  // color.match needs a reference photo: without --ref the clause is unsupported, saying so.
  const EditPlan without = plan_instruction("match the colours of the reference, then crop to 16:9");
  EXPECT_EQ(ops_of(without), (std::vector<std::string>{"image.crop"}));
  ASSERT_EQ(without.unsupported.size(), 1u);
  EXPECT_NE(without.unsupported[0].reason.find("--ref"), std::string::npos);
  const std::string reference = test::photo("coffee.png").string();
  const EditPlan with = plan_instruction("match the colours of the reference", PlanInputs{{reference}, ""});
  ASSERT_EQ(ops_of(with), (std::vector<std::string>{"color.match"}));
  EXPECT_EQ(with.steps[0].params["reference"], reference);
  // object.add needs a place: the draft has it, the runnable plan asks where (or takes --mask).
  EXPECT_EQ(ops_of(draft_plan("add a coffee cup")), (std::vector<std::string>{"object.add"}));
  if (registry().find("object.add") != nullptr) {
    EXPECT_EQ(plan_instruction("add a coffee cup").unsupported.size(), 1u);
    const EditPlan masked = plan_instruction("add a coffee cup", PlanInputs{{}, "mask.png"});
    ASSERT_EQ(masked.steps.size(), 1u);
    EXPECT_EQ(masked.steps[0].target, (json{{"mask", "mask.png"}}));
  }
}

TEST(Planner, EmptyOverlongAndBrokenInstructionsAreUsageErrors) {
  const auto kind_of = [](const std::string& instruction) {
    try {
      plan_instruction(instruction);
    } catch (const Error& error) {
      return error.kind();
    }
    return ErrorKind::internal;
  };
  EXPECT_EQ(kind_of("   "), ErrorKind::usage);
  EXPECT_EQ(kind_of(std::string(kMaxInstructionBytes + 1, 'a')), ErrorKind::usage);
  EXPECT_EQ(kind_of("make it \xff\xfe brighter"), ErrorKind::usage);
  std::string many;
  while (many.size() < kMaxInstructionBytes - 40) many += "crop to 4:5. ";
  EXPECT_EQ(kind_of(many), ErrorKind::usage);  // above kMaxInstructionClauses
}

// A 32 KB instruction is planned or refused in bounded time. (Timing belongs in benchmarks; this only
// guards against a blow-up, with a bound a hundred times the measured ~0.1 s.)
TEST(Planner, ThirtyTwoKilobytesArePlannedOrRefusedInBoundedTime) {
  std::string words;
  while (words.size() < kMaxInstructionBytes - 200) words += "really quite very much more pretty contrast ";
  std::string sentences;
  while (sentences.size() < kMaxInstructionBytes - 200)
    sentences += "increase the contrast slightly and crop to 16:9, then add \"SALE\" at the top. ";
  for (const std::string& instruction : {words, sentences, std::string(kMaxInstructionBytes, 'x')}) {
    const auto started = std::chrono::steady_clock::now();
    try {
      const EditPlan plan = plan_instruction(instruction);
      EXPECT_FALSE(plan.steps.empty() && plan.unsupported.empty() && plan.preserve.empty());
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::usage);
    }
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 10.0);
  }
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
  EXPECT_EQ(kind_of("{\"steps\": [{\"op\": \"color.adjust\", \"target\": {\"box\": [0.5, 0.5, 0.6, 0.1]}}]}"),
            ErrorKind::plan);
  EXPECT_EQ(kind_of("{\"steps\": [{\"op\": \"color.adjust\", \"params\": {\"gamma\": 0}}]}"), ErrorKind::plan);
}

}  // namespace
}  // namespace easel
