// Designed text (issue 16, "Kept means kept"): text put in a named area is laid out in the clear space
// around the subject and the preserved regions, sized to it, in a colour (or on a backing) that reaches
// the minimum contrast; text whose contrast stays below it is refused unless the step allows it.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/regions/region.hpp"
#include "easel/run/executor.hpp"
#include "easel/run/text_verifier.hpp"
#include "easel/vision/segmentation.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

const OperationSpec& text_add() { return registry().get("text.add"); }

OpOutput place(const Image& image, const json& params, const Placement& placement) {
  return text_add().place(image, Params(validate_params(text_add(), params, "test")), placement, test::run_context());
}

bool contains(const json& text, const std::string& part) {
  return text.is_string() && text.get<std::string>().find(part) != std::string::npos;
}

int changed_pixels_in(const Image& before, const Image& after, const cv::Mat& mask) {
  cv::Mat difference, any_channel;
  cv::absdiff(before.mat(), after.mat(), difference);
  cv::transform(difference, any_channel, cv::Matx14f(1, 1, 1, 1));
  return cv::countNonZero((any_channel > 0) & mask);
}

// A plain blue-grey picture with a round "subject" reaching up into its top half.
struct Scene {
  Image image{cv::Mat(400, 600, CV_8UC4, cv::Scalar(90, 120, 160, 255))};
  cv::Mat subject{400, 600, CV_8U, cv::Scalar(0)};
  Scene() { cv::ellipse(subject, {300, 250}, {180, 200}, 0, 0, 360, cv::Scalar(255), cv::FILLED); }
};

TEST(TextLayout, TextInANamedAreaKeepsClearOfTheSubject) {
  const Scene scene;
  const OpOutput output = place(scene.image, {{"text", "Morning Blend"}},
                                Placement{cv::Rect(0, 0, 600, 200), scene.subject, {}, "the subject (test)", ""});
  const TextLayer& layer = output.text_layers.at(0);
  EXPECT_EQ(changed_pixels_in(scene.image, output.image, scene.subject), 0);
  EXPECT_EQ(cv::countNonZero(scene.subject(layer.box & cv::Rect(0, 0, 600, 400))), 0);
  EXPECT_GE(layer.size_px, 20);  // kMinLaidOutShare of the shorter side
  EXPECT_TRUE(contains(layer.layout["placement"], "clear space")) << layer.layout.dump();
  EXPECT_EQ(layer.layout["avoided"], "the subject (test)");
  EXPECT_GE(layer.contrast_ratio_p5, kMinContrastRatio);
}

TEST(TextLayout, WithNoClearSpaceTheTextOverlapsAndSaysSo) {
  const Scene scene;
  const cv::Mat everything(400, 600, CV_8U, cv::Scalar(255));
  const OpOutput output = place(scene.image, {{"text", "Morning Blend"}},
                                Placement{cv::Rect(0, 0, 600, 200), everything, {}, "the subject (test)", ""});
  EXPECT_TRUE(contains(output.text_layers.at(0).layout["placement"], "so it overlaps it"))
      << output.text_layers[0].layout.dump();
  // Over the subject it is a caption against the area's top edge, not letters as large as the area allows.
  EXPECT_LE(output.text_layers[0].size_px, 40);
  EXPECT_LT(output.text_layers[0].box.y, 40);
  // With no room outside the preserved regions either, the op says so (and the executor refuses the step:
  // tests/cli/preserve_test.cpp).
  const OpOutput boxed_in =
      place(scene.image, {{"text", "Morning Blend"}},
            Placement{cv::Rect(0, 0, 600, 200), everything, everything, "what the plan preserves", ""});
  EXPECT_TRUE(contains(boxed_in.text_layers.at(0).layout["placement"], "the preserved regions leave no room"))
      << boxed_in.text_layers[0].layout.dump();
}

TEST(TextLayout, AGivenBoxIsNotMoved) {
  const Scene scene;
  // The executor passes no subject for a box: the text goes exactly there, over the subject.
  const OpOutput output =
      place(scene.image, {{"text", "HERE"}, {"size", 40}}, Placement{cv::Rect(200, 150, 200, 100), {}, {}, "", ""});
  const cv::Rect box = output.text_layers.at(0).box;
  EXPECT_EQ(box & cv::Rect(200, 150, 200, 100), box);
}

// The example: "at the top" of coffee.png gave 83 px black letters across the cup.
TEST(TextLayout, AtTheTopOfCoffeeTheTextKeepsClearOfTheCupAndIsLegible) {
  const std::filesystem::path dir = test::temp_dir();
  const test::CliRun run =
      test::run_easel({"edit", test::photo("coffee.png").string(), "-p", "add the text \"Morning Blend\" at the top",
                       "-o", (dir / "out.png").string(), "--report", (dir / "report.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(dir / "report.json");
  const json entry = json::parse(in)["verification"]["text"].at(0);
  const cv::Rect box(entry["box"][0].get<int>(), entry["box"][1].get<int>(), entry["box"][2].get<int>(),
                     entry["box"][3].get<int>());
  const SubjectMask cup = segment_subject(test::load_photo("coffee.png"), test::installed_segmenter());
  EXPECT_EQ(cv::countNonZero(cup.alpha(box & cv::Rect(0, 0, 600, 400)) >= 0.5), 0) << entry.dump(2);
  EXPECT_LT(box.br().y, 200);  // still at the top
  EXPECT_GE(entry["legibility"]["contrast_ratio_p5"].get<double>(), kMinContrastRatio) << entry.dump(2);
  EXPECT_LT(entry["size_px"].get<double>(), 83);
  EXPECT_TRUE(contains(entry["layout"]["placement"], "clear space")) << entry.dump(2);
  EXPECT_TRUE(contains(entry["layout"]["avoided"], "the subject (segmentation: ")) << entry.dump(2);
  EXPECT_TRUE(entry["layout"].contains("color")) << entry.dump(2);
}

TEST(TextLayout, PreservedRegionsStayUntouched) {
  const Image coffee = test::load_photo("coffee.png");
  const auto& spec = text_add();
  PlanStep title{"text.add", validate_target({{"region", "top"}}, spec, "test"),
                 validate_params(spec, {{"text", "Morning Blend"}}, "test"), "test"};
  title.keep.push_back(json{{"region", "top-right"}});
  ResultCache cache;
  const RenderResult result = Executor(cache, test::run_context()).render(coffee, {title});
  const cv::Mat kept = resolve_region({{"region", "top-right"}}, coffee, "test", test::run_context()) > 0;
  EXPECT_EQ(changed_pixels_in(coffee, result.state.image, kept), 0);
  EXPECT_TRUE(result.steps.at(0).keep.empty()) << result.steps[0].keep_note;  // laid out around it, not refused
  const TextLayer& layer = result.state.text_layers.at(0);
  EXPECT_TRUE(contains(layer.layout["avoided"], "what the plan preserves")) << layer.layout.dump();
  EXPECT_EQ(verify_output_text(result.state.image, result.state.text_layers).checks.at(0).status, TextStatus::passed);
}

TEST(TextLegibility, TextTheSameColourAsWhatLiesUnderItIsRefusedFlaggedOrBacked) {
  const Image grey(cv::Mat(200, 500, CV_8UC4, cv::Scalar(128, 128, 128, 255)));
  const json same = {{"text", "INVISIBLE"}, {"size", 48}, {"color", "#818181"}};
  const Placement all{cv::Rect(0, 0, 500, 200), {}, {}, "", ""};
  json refused = same;
  refused["backing"] = "none";
  try {
    place(grey, refused, all);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::plan);
    EXPECT_NE(std::string(error.what()).find("below the minimum 3.00:1"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("allow_low_contrast"), std::string::npos) << error.what();
  }
  // Asked for: placed, and the report says so instead of passing it.
  json allowed = refused;
  allowed["allow_low_contrast"] = true;
  const OpOutput flagged = place(grey, allowed, all);
  EXPECT_TRUE(flagged.text_layers.at(0).low_contrast_allowed);
  const TextCheck check = verify_output_text(flagged.image, flagged.text_layers).checks.at(0);
  EXPECT_EQ(check.match, false);
  EXPECT_EQ(check.status, TextStatus::accepted) << check.note;
  EXPECT_EQ(to_json(check)["legibility"]["low_contrast_allowed"], true);
  // Left to Easel: a backing makes it legible, and the layout note says so.
  const OpOutput backed = place(grey, same, all);
  const TextLayer& layer = backed.text_layers.at(0);
  EXPECT_GE(layer.contrast_ratio_p5, kMinContrastRatio);
  EXPECT_TRUE(contains(layer.layout["color"], "backing")) << layer.layout.dump();
  EXPECT_EQ(verify_output_text(backed.image, backed.text_layers).checks.at(0).status, TextStatus::passed);
}

}  // namespace
}  // namespace easel
