// Verification reads the output, not an intermediate (issue 16, "Verified means verified"): text a later
// step cuts off, covers or flattens fails and says why; text that follows a resize or an expansion still
// passes; a word a later round replaced is reported as superseded, not as a pass.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "easel/regions/region.hpp"
#include "easel/plan/planner.hpp"
#include "easel/run/edit_flow.hpp"
#include "easel/run/document.hpp"
#include "easel/run/executor.hpp"
#include "easel/run/text_verifier.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

PlanStep step(const std::string& op, const json& params, const json& target = {{"region", "all"}}) {
  const auto& spec = registry().get(op);
  return {op, validate_target(target, spec, "test"), validate_params(spec, params, "test"), "test"};
}

struct Verified {
  RenderResult render;
  TextVerification text;
};

Verified render_and_verify(const Image& source, const std::vector<PlanStep>& steps) {
  ResultCache cache;
  Verified verified{Executor(cache, test::run_context()).render(source, steps), {}};
  verified.text = verify_output_text(verified.render.state.image, verified.render.state.text_layers);
  return verified;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(OutputVerification, TextALaterCropCutsFailsAndSaysWhy) {
  const Verified result = render_and_verify(
      test::load_photo("coffee.png"), {step("text.add", {{"text", "Morning Blend"}, {"size", 48}, {"color", "white"}},
                                            {{"box", {0.0, 0.0, 0.6, 0.25}}}),
                                       step("image.crop", {{"aspect", "4:5"}})});
  ASSERT_EQ(result.text.checks.size(), 1u);
  const TextCheck& check = result.text.checks[0];
  // The glyphs were drawn right; the output (a 320 px wide centre crop) holds only part of them.
  EXPECT_EQ(check.spelling_match, true) << check.spelling_read.value_or("");
  EXPECT_EQ(check.match, false) << check.read.value_or("");
  EXPECT_EQ(check.status, TextStatus::failed);
  EXPECT_NE(check.read.value_or(""), "Morning Blend");
  EXPECT_GT(check.visible_share, 0.2);
  EXPECT_LT(check.visible_share, 0.95);
  EXPECT_TRUE(contains(check.note, "of its letters lie outside the output")) << check.note;
  EXPECT_TRUE(contains(check.note, "step 2 (image.crop) cut")) << check.note;
  EXPECT_FALSE(result.text.ok);
  // The report's box is where the text lies in the output: it starts left of the crop.
  EXPECT_LT(check.layer->box.x, 0);
  const json entry = to_json(check);
  EXPECT_EQ(entry["status"], "failed");
  EXPECT_EQ(entry["spelling"]["match"], true);
}

TEST(OutputVerification, TextCroppedAwayEntirelyFails) {
  const Verified result = render_and_verify(
      test::load_photo("coffee.png"),
      {step("text.add", {{"text", "SALE"}, {"size", 24}, {"color", "white"}}, {{"box", {0.0, 0.0, 0.2, 0.2}}}),
       step("image.crop", {{"aspect", "4:5"}})});
  const TextCheck& check = result.text.checks.at(0);
  EXPECT_EQ(check.match, false);
  EXPECT_EQ(check.read, "");
  EXPECT_EQ(check.visible_share, 0);
  EXPECT_TRUE(contains(check.note, "none of it is in the output")) << check.note;
  EXPECT_TRUE(contains(check.note, "cut all of its box out of the image")) << check.note;
  EXPECT_FALSE(result.text.ok);
}

TEST(OutputVerification, TextALaterStepDrawsOverFails) {
  const Image white(cv::Mat(240, 640, CV_8UC4, cv::Scalar(255, 255, 255, 255)));
  const Verified result =
      render_and_verify(white, {step("text.add", {{"text", "SALE"}, {"size", 80}, {"color", "black"}}),
                                step("text.add", {{"text", "NEW ARRIVALS"},
                                                  {"size", 60},
                                                  {"color", "#303030"},
                                                  {"box_color", "#ffffff"},
                                                  {"box_padding", 1.0}})});
  ASSERT_EQ(result.text.checks.size(), 2u);
  const TextCheck& covered = result.text.checks[0];
  EXPECT_EQ(covered.spelling_match, true);
  EXPECT_EQ(covered.status, TextStatus::failed) << covered.read.value_or("");
  EXPECT_TRUE(contains(covered.note, "step 2 (text.add) changed")) << covered.note;
  EXPECT_EQ(result.text.checks[1].status, TextStatus::passed)
      << result.text.checks[1].read.value_or("") << " / " << result.text.checks[1].note;
  EXPECT_FALSE(result.text.ok);
}

TEST(OutputVerification, AColourStepThatFlattensTheTextFails) {
  const Image white(cv::Mat(200, 500, CV_8UC4, cv::Scalar(255, 255, 255, 255)));
  const Verified kept = render_and_verify(white, {step("text.add", {{"text", "CONTRAST"}, {"size", 56}})});
  EXPECT_EQ(kept.text.checks.at(0).status, TextStatus::passed) << kept.text.checks[0].read.value_or("");
  const Verified flattened = render_and_verify(
      white, {step("text.add", {{"text", "CONTRAST"}, {"size", 56}}), step("color.adjust", {{"contrast", -0.95}})});
  const TextCheck& check = flattened.text.checks.at(0);
  EXPECT_EQ(check.status, TextStatus::failed) << check.read.value_or("");
  ASSERT_TRUE(check.output_contrast.has_value());
  EXPECT_LT(*check.output_contrast, kMinContrastRatio);
  EXPECT_TRUE(contains(check.note, "below the minimum")) << check.note;
  EXPECT_TRUE(contains(check.note, "step 2 (color.adjust) changed 100% of its box")) << check.note;
}

TEST(OutputVerification, TextFollowsResizesAndExpansionsAndStillReads) {
  const Image coffee = test::load_photo("coffee.png");
  const Verified alone = render_and_verify(
      coffee, {step("text.add", {{"text", "Fresh Roast"}, {"size", 64}}, {{"box", {0.0, 0.0, 1.0, 0.3}}})});
  const Verified moved = render_and_verify(
      coffee, {step("text.add", {{"text", "Fresh Roast"}, {"size", 64}}, {{"box", {0.0, 0.0, 1.0, 0.3}}}),
               step("image.resize", {{"scale", 0.75}}), step("canvas.expand", {{"left", 40}, {"top", 30}})});
  const cv::Rect before = alone.text.checks.at(0).layer->box, after = moved.text.checks.at(0).layer->box;
  EXPECT_NEAR(after.x, before.x * 0.75 + 40, 2);
  EXPECT_NEAR(after.y, before.y * 0.75 + 30, 2);
  EXPECT_NEAR(after.width, before.width * 0.75, 2);
  const TextCheck& check = moved.text.checks[0];
  EXPECT_EQ(check.status, TextStatus::passed) << check.read.value_or("") << " / " << check.note;
  EXPECT_TRUE(moved.text.ok);
}

TEST(OutputVerification, AWordALaterRoundReplacedIsSupersededNotPassed) {
  const auto folder = test::temp_dir() / "sign.easel";
  Document document = Document::create(folder, test::photo("coffee.png"));
  EditPlan first = edit_plan_from_json(json{{"steps", json::array({{{"op", "text.add"},
                                                                    {"target", {{"box", {0.25, 0.02, 0.5, 0.3}}}},
                                                                    {"params",
                                                                     {{"text", "SALE"},
                                                                      {"font", "bold sans"},
                                                                      {"size", 72},
                                                                      {"color", "#202020"},
                                                                      {"box_color", "#f4efe4"}}}}})}});
  validate_plan(first);
  document.append(first);
  EditPlan second = edit_plan_from_json(
      json{{"steps", json::array({{{"op", "text.replace"}, {"params", {{"find", "SALE"}, {"replace", "SOLD"}}}}})}});
  validate_plan(second);
  document.append(second);
  const Image source = read_image_file(document.source_path(), DecodeLimits{}).image;
  const Verified result = render_and_verify(source, document.applied_steps());
  ASSERT_EQ(result.text.checks.size(), 2u);
  const TextCheck& replaced = result.text.checks[0];
  EXPECT_EQ(replaced.expected, "SALE");
  EXPECT_EQ(replaced.match, false) << replaced.read.value_or("");
  EXPECT_EQ(replaced.status, TextStatus::superseded);
  EXPECT_TRUE(contains(replaced.note, "replaced by \"SOLD\" in step 2 (text.replace)")) << replaced.note;
  EXPECT_EQ(result.text.checks[1].status, TextStatus::passed)
      << result.text.checks[1].read.value_or("") << " / " << result.text.checks[1].note;
  EXPECT_TRUE(result.text.ok);
  EXPECT_EQ(to_json(replaced)["status"], "superseded");
}

// The docs' own example: whatever the layout does with the later 4:5 crop, the report must say what the
// output shows — a pass only when the whole text is inside the crop and reads back there.
TEST(OutputVerification, TheDocsMorningBlendExampleIsReportedTruthfully) {
  EditOrder order;
  order.instruction =
      "replace the background with a soft blue gradient, keep the cup, add 'Morning Blend' at the top, crop to 4:5";
  const EditPlan plan = plan_edit(order);
  const Verified result = render_and_verify(test::load_photo("coffee.png"), plan.steps);
  ASSERT_EQ(result.text.checks.size(), 1u);
  const TextCheck& check = result.text.checks[0];
  const cv::Rect output(0, 0, result.render.state.image.width(), result.render.state.image.height());
  if ((check.layer->box & output) == check.layer->box) {
    EXPECT_EQ(check.status, TextStatus::passed) << check.read.value_or("") << " / " << check.note;
  } else {
    EXPECT_EQ(check.match, false) << check.read.value_or("");
    EXPECT_TRUE(contains(check.note, "outside the output")) << check.note;
    EXPECT_FALSE(result.text.ok);
  }
}

}  // namespace
}  // namespace easel
