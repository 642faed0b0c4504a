// Documents and the executor: rounds replay from the source, undo is exact, nothing drifts.
#include <gtest/gtest.h>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/run/document.hpp"
#include "easel/run/edit_job.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

EditPlan plan_of(const json& steps) {
  EditPlan plan = edit_plan_from_json(json{{"steps", steps}});
  validate_plan(plan);
  return plan;
}

RenderState render(const Document& document) {
  const Image source = read_image_file(document.source_path(), DecodeLimits{}).image;
  ResultCache cache(document.cache_folder());
  return Executor(cache, test::run_context()).render(source, document.applied_steps()).state;
}

TEST(Documents, TenRoundsOfRegionalEditsLeaveEverythingElseBitIdentical) {
  const auto folder = test::temp_dir() / "motorcycle.easel";
  Document document = Document::create(folder, test::photo("motorcycle_left.png"));
  const Image source = read_image_file(document.source_path(), DecodeLimits{}).image;
  // Every round edits somewhere in the top-left quadrant; the rest of the picture is never asked to change.
  const std::vector<json> boxes{
      {0, 0, 0.2, 0.2},     {0.1, 0.1, 0.3, 0.3}, {0.25, 0, 0.25, 0.5}, {0, 0.25, 0.5, 0.25}, {0.05, 0.05, 0.1, 0.4},
      {0.3, 0.3, 0.2, 0.2}, {0, 0, 0.5, 0.5},     {0.2, 0.1, 0.1, 0.1}, {0.4, 0.4, 0.1, 0.1}, {0.1, 0.3, 0.3, 0.2}};
  for (std::size_t round = 0; round < boxes.size(); ++round) {
    document.append(plan_of(
        json::array({{{"op", "color.adjust"},
                      {"target", {{"box", boxes[round]}}},
                      {"params", {{"warmth", 0.3}, {"contrast", 0.2}, {"hue", 10.0 * static_cast<double>(round)}}}}})));
    document.save();
  }
  const Document reopened = Document::open(folder);
  EXPECT_EQ(reopened.applied(), 10u);
  const RenderState state = render(reopened);
  const cv::Rect untouched_area(source.width() / 2 + 2, 0, source.width() - source.width() / 2 - 2, source.height());
  EXPECT_TRUE(bit_identical(Image(state.image.mat()(untouched_area).clone()),
                            Image(source.to_rgba8().mat()(untouched_area).clone())));
  const auto report = verify_preservation(source, state);
  EXPECT_EQ(report.changed_pixels_outside, 0u);
  EXPECT_LT(report.edited_fraction, 0.26);
  EXPECT_FALSE(report.psnr_outside_db.has_value());
  EXPECT_NEAR(*report.ssim_outside, 1.0, 1e-6);
}

TEST(Documents, UndoReturnsExactlyThePreviousImageAndRedoTheNext) {
  const auto folder = test::temp_dir() / "coffee.easel";
  Document document = Document::create(folder, test::photo("coffee.png"));
  document.append(plan_of(json::array({{{"op", "color.adjust"}, {"params", {{"contrast", 0.3}}}}})));
  const Image first = render(document).image;
  document.append(plan_of(
      json::array({{{"op", "image.crop"}, {"params", {{"aspect", "16:9"}}}},
                   {{"op", "color.adjust"}, {"target", {{"region", "left"}}}, {"params", {{"warmth", 0.5}}}}})));
  const Image second = render(document).image;
  EXPECT_NE(first.width(), second.width());
  document.undo();
  document.save();
  EXPECT_TRUE(bit_identical(render(Document::open(folder)).image, first));
  document.redo();
  EXPECT_TRUE(bit_identical(render(document).image, second));
  document.undo();
  document.undo();
  EXPECT_TRUE(bit_identical(render(document).image,
                            read_image_file(test::photo("coffee.png"), DecodeLimits{}).image.to_rgba8()));
  EXPECT_THROW(document.undo(), Error);
  // A new round after undo discards the undone rounds, as in any editor.
  document.redo();
  document.append(plan_of(json::array({{{"op", "color.adjust"}, {"params", {{"saturation", -1}}}}})));
  EXPECT_EQ(document.rounds().size(), 2u);
  EXPECT_THROW(document.redo(), Error);
}

TEST(Executor, CachedRenderIsIdenticalAndReportsCacheHits) {
  const Image coffee = test::load_photo("coffee.png");
  const auto steps =
      plan_of(
          json::array({{{"op", "color.adjust"}, {"params", {{"contrast", 0.3}}}},
                       {{"op", "color.adjust"}, {"target", {{"region", "right"}}}, {"params", {{"warmth", -0.4}}}}}))
          .steps;
  ResultCache cache;
  const auto first = Executor(cache, test::run_context()).render(coffee, steps);
  const auto again = Executor(cache, test::run_context()).render(coffee, steps);
  EXPECT_FALSE(first.steps[0].cached);
  EXPECT_TRUE(again.steps[0].cached);
  EXPECT_TRUE(again.steps[1].cached);
  EXPECT_TRUE(bit_identical(first.state.image, again.state.image));
}

TEST(Executor, EditingAReferencePhotoInPlaceIsNotServedFromTheCache) {
  const Image coffee = test::load_photo("coffee.png");
  const auto reference = test::temp_dir() / "mood.png";
  write_file_atomically(reference, encode_image(test::load_photo("chelsea.png"), EncodeOptions{}, OutputMetadata{}));
  const auto steps =
      plan_of(json::array({{{"op", "color.match"}, {"params", {{"reference", reference.string()}}}}})).steps;
  ResultCache cache;
  const auto first = Executor(cache, test::run_context()).render(coffee, steps);
  write_file_atomically(reference, encode_image(test::load_photo("astronaut.png"), EncodeOptions{}, OutputMetadata{}));
  const auto second = Executor(cache, test::run_context()).render(coffee, steps);
  EXPECT_FALSE(second.steps[0].cached);
  EXPECT_FALSE(bit_identical(first.state.image, second.state.image));
}

TEST(Documents, KeepTheirOwnCopyOfEveryPictureAStepReads) {
  const auto folder = test::temp_dir() / "coffee.easel";
  const auto reference = test::temp_dir() / "mood.png";
  write_file_atomically(reference, encode_image(test::load_photo("chelsea.png"), EncodeOptions{}, OutputMetadata{}));
  Document document = Document::create(folder, test::photo("coffee.png"));
  document.append(plan_of(json::array({{{"op", "color.match"}, {"params", {{"reference", reference.string()}}}}})));
  document.save();
  const RenderState before = render(Document::open(folder));
  std::filesystem::remove(reference);  // the user deletes or edits the original afterwards
  const RenderState after = render(Document::open(folder));
  EXPECT_TRUE(bit_identical(before.image, after.image));
}

TEST(Executor, VerifierFollowsCropsAndCanvasExpansions) {
  const Image coffee = test::load_photo("coffee.png");
  const auto steps =
      plan_of(json::array({{{"op", "image.crop"}, {"params", {{"aspect", "1:1"}, {"anchor", "right"}}}},
                           {{"op", "color.adjust"}, {"target", {{"region", "top"}}}, {"params", {{"brightness", 0.3}}}},
                           {{"op", "canvas.expand"}, {"params", {{"aspect", "2:1"}}}}}))
          .steps;
  ResultCache cache;
  const auto result = Executor(cache, test::run_context()).render(coffee, steps);
  const auto report = verify_preservation(coffee, result.state);
  EXPECT_TRUE(report.comparable);
  EXPECT_EQ(report.changed_pixels_outside, 0u);
  EXPECT_EQ(result.state.image.width(), 2 * result.state.image.height());
  // Half of the square was brightened; the expansion doubled the width: 1/2 + 1/2 × 1/2 edited.
  EXPECT_NEAR(report.edited_fraction, 0.75, 0.02);
  // Resampling leaves nothing comparable, and says so.
  const auto resized =
      Executor(cache, test::run_context())
          .render(coffee, plan_of(json::array({{{"op", "image.resize"}, {"params", {{"scale", 0.5}}}}})).steps);
  EXPECT_FALSE(verify_preservation(coffee, resized.state).comparable);
}

TEST(Documents, OpeningSomethingElseIsAClearError) {
  EXPECT_THROW(Document::open(test::temp_dir()), Error);
  const auto folder = test::temp_dir() / "broken.easel";
  std::filesystem::create_directories(folder);
  const std::string text = "{\"format\": \"easel-document\", \"version\": 1, \"rounds\": 3}";
  write_file_atomically(folder / "document.json",
                        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  try {
    Document::open(folder);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::input);
  }
}

}  // namespace
}  // namespace easel
