// text.replace on photographs with printed words (typeset onto real photos first): afterwards the old
// word no longer reads back and the new one does, at the old one's place and size.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/region.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/vision/ocr.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

PlanStep step(const std::string& op, const json& params, const json& target = {{"region", "all"}}) {
  const auto& spec = registry().get(op);
  return {op, validate_target(target, spec, "test"), validate_params(spec, params, "test"), "test"};
}

std::string read_region(const Image& image, const cv::Rect& region) {
  cv::Mat grey;
  cv::cvtColor(image.mat()(region & cv::Rect(0, 0, image.width(), image.height())), grey, cv::COLOR_RGBA2GRAY);
  return read_text(grey, TextLayout::single_line);
}

struct Sign {
  const char* photo;
  json look;
};

class ReplaceOnPhoto : public ::testing::TestWithParam<Sign> {};

TEST_P(ReplaceOnPhoto, TheOldWordIsGoneAndTheNewOneReadsBack) {
  const Sign& sign = GetParam();
  const Image photo = test::load_photo(sign.photo);
  json printed = sign.look;
  printed["text"] = "OPEN";
  printed["font"] = "bold sans";
  printed["size"] = 64;
  ResultCache cache;
  const EditOutcome outcome = run_edit(photo, {step("text.add", printed, {{"region", "top"}}),
                                               step("text.replace", {{"find", "OPEN"}, {"replace", "CLOSED"}, {"font", "bold sans"}})},
                                       cache);
  ASSERT_EQ(outcome.text.size(), 2u);
  const TextCheck& replaced = outcome.text[1];
  EXPECT_EQ(replaced.expected, "CLOSED");
  EXPECT_TRUE(replaced.match.value_or(false)) << replaced.read.value_or("");
  // Same size as the word it replaces (within a pixel), on the same spot.
  const TextLayer& before = *outcome.text[0].layer;
  const TextLayer& after = *replaced.layer;
  EXPECT_NEAR(after.size_px, 64, 2);
  EXPECT_NEAR(after.box.y + after.box.height / 2.0, before.box.y + before.box.height / 2.0, 3);
  // In the photo itself: around the old word, OCR reads the new one and not the old.
  const cv::Rect around(after.box.x - 20, after.box.y - 16, after.box.width + 40, after.box.height + 32);
  const std::string read = read_region(outcome.render.state.image, around | before.box);
  EXPECT_EQ(read.find("OPEN"), std::string::npos) << read;
  EXPECT_NE(read.find("CLOSED"), std::string::npos) << read;
  EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);
}

// Signs: dark letters on a light badge. (On motorcycle_left.png the texture outranks the sign among the
// proposed lines and the word is not found; white outlined letters on rocket.jpg are found, but the
// replacement is drawn without an outline and does not read back in context — docs/typography.md.)
INSTANTIATE_TEST_SUITE_P(Photos, ReplaceOnPhoto,
                         ::testing::Values(Sign{"coffee.png", {{"box_color", "#ffffffe0"}, {"color", "#202020"}}},
                                           Sign{"rocket.jpg", {{"box_color", "#ffffffe0"}, {"color", "#202020"}}},
                                           Sign{"chelsea.png", {{"box_color", "#ffffffe0"}, {"color", "#202020"}}},
                                           Sign{"astronaut.png", {{"box_color", "#ffffffe0"}, {"color", "#202020"}}}),
                         [](const auto& test_info) {
                           const std::string photo = test_info.param.photo;
                           return photo.substr(0, photo.find('.'));
                         });

TEST(TextRegion, RemovingTextFoundByOcrLeavesItUnreadableAndTheRestUntouched) {
  ResultCache cache;
  const EditOutcome outcome = run_edit(test::load_photo("coffee.png"),
                                       {step("text.add", {{"text", "DRAFT"}, {"font", "bold sans"}, {"size", 56}, {"color", "#f0f0f0"}},
                                             {{"region", "bottom"}}),
                                        step("object.remove", json::object(), {{"text", "DRAFT"}})},
                                       cache);
  const TextLayer& drawn = *outcome.text[0].layer;
  const cv::Rect around(drawn.box.x - 20, drawn.box.y - 16, drawn.box.width + 40, drawn.box.height + 32);
  const std::string read = read_region(outcome.render.state.image, around);
  EXPECT_EQ(read.find("DRAFT"), std::string::npos) << read;
  EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);
  EXPECT_LT(outcome.preservation.edited_fraction, 0.15);  // the word and its margin, not the photo

  try {
    run_edit(test::load_photo("coffee.png"), {step("object.remove", json::object(), {{"text", "NOWHERE"}})}, cache);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::input);
    EXPECT_NE(std::string(error.what()).find("did not find the text \"NOWHERE\""), std::string::npos) << error.what();
  }
}

TEST(TextReplace, AStringThatIsNotThereIsAnErrorNamingIt) {
  ResultCache cache;
  try {
    run_edit(test::load_photo("coffee.png"), {step("text.replace", {{"find", "NOWHERE"}, {"replace", "X"}})}, cache);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::input);
    EXPECT_NE(std::string(error.what()).find("NOWHERE"), std::string::npos);
  }
}

}  // namespace
}  // namespace easel
