// text.add as an op: parameters, fonts by description, sizes, colours and the report it feeds.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/typeset/font_match.hpp"
#include "easel/regions/region.hpp"
#include "easel/run/edit_job.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

const OperationSpec& text_add() { return registry().get("text.add"); }

EditOutcome add(const Image& image, const json& params, const json& target = {{"region", "all"}}) {
  const PlanStep step{"text.add", validate_target(target, text_add(), "test"),
                      validate_params(text_add(), params, "test"), "test"};
  ResultCache cache;
  return run_edit(image, {step}, cache, test::run_context());
}

Image flat(cv::Scalar rgba, cv::Size size = {400, 200}) { return Image(cv::Mat(size, CV_8UC4, rgba)); }

TEST(TextAdd, FontDescriptionsFindMatchingInstalledFaces) {
  EXPECT_EQ(match_font({"handwritten"}).face.family, "Z003");
  EXPECT_NE(match_font({"monospace"}).face.family.find("Mono"), std::string::npos);
  EXPECT_NE(match_font({"bold serif"}).face.style.find("Bold"), std::string::npos);
  EXPECT_NE(match_font({"serif", "regular", true}).face.style.find("Italic"), std::string::npos);
  EXPECT_EQ(match_font({"Liberation Serif"}).face.family, "Liberation Serif");
  EXPECT_TRUE(match_font({"Liberation Serif"}).substitution.empty());
  EXPECT_NE(match_font({"Comic Sans Imaginary"}).substitution.find("not installed"), std::string::npos);
}

TEST(TextAdd, RejectsControlCharactersOverlongTextAndBadColours) {
  EXPECT_THROW(validate_params(text_add(), {{"text", "a\tb"}}, "test"), Error);
  EXPECT_THROW(validate_params(text_add(), {{"text", std::string(3000, 'a')}}, "test"), Error);
  EXPECT_THROW(validate_params(text_add(), {{"text", "\xff\xfe"}}, "test"), Error);
  EXPECT_THROW(validate_params(text_add(), {{"text", "ok"}, {"color", "not a colour"}}, "test"), Error);
  EXPECT_THROW(validate_params(text_add(), {{"text", "ok"}, {"size", 1}}, "test"), Error);
  EXPECT_NO_THROW(validate_params(text_add(), {{"text", "two\nlines"}, {"color", "navy"}}, "test"));
  EXPECT_THROW(validate_target({{"text", "OPEN"}}, text_add(), "test"), Error);
}

TEST(TextAdd, AGivenSizeIsKeptAndAFittedSizeFillsTheBox) {
  const Image black = flat({0, 0, 0, 255});
  const EditOutcome fixed = add(black, {{"text", "Morning Blend"}, {"size", 30}});
  EXPECT_EQ(fixed.text.front().layer->size_px, 30);
  const EditOutcome fitted =
      add(black, {{"text", "Morning Blend"}, {"max_size", 500}}, {{"box", {0.1, 0.1, 0.8, 0.8}}});
  const TextLayer& layer = *fitted.text.front().layer;
  // 320 × 160 box with a 6 px margin: two lines at about 54 px beat one line at about 49 px.
  EXPECT_EQ(layer.line_count, 2);
  EXPECT_GT(layer.size_px, 50);
  EXPECT_LE(layer.box.width, 310);
  EXPECT_LE(layer.box.height, 150);
  EXPECT_TRUE(fitted.text.front().match.value_or(false));
}

TEST(TextAdd, LongTextBreaksIntoLinesThatStillReadBack) {
  const EditOutcome outcome =
      add(flat({255, 255, 255, 255}), {{"text", "Ask about our seasonal specials and gift cards"}, {"size", 40}});
  const TextCheck& check = outcome.text.front();
  EXPECT_GE(check.layer->line_count, 2);
  EXPECT_TRUE(check.match.value_or(false)) << check.read.value_or("");
}

TEST(TextAdd, AutomaticColourContrastsWithTheBackground) {
  for (const double grey : {0.0, 255.0}) {
    const EditOutcome outcome = add(flat({grey, grey, grey, 255}), {{"text", "CONTRAST"}, {"size", 48}});
    const TextLayer& layer = *outcome.text.front().layer;
    EXPECT_GT(layer.contrast_ratio, 15) << grey;
    cv::Mat red;
    cv::extractChannel(outcome.render.state.image.mat(), red, 0);
    double low = 0, high = 0;
    cv::minMaxLoc(red, &low, &high);
    EXPECT_EQ(grey == 0 ? high : low, grey == 0 ? 255 : 0);
  }
}

TEST(TextAdd, OpacityBlendsInLinearLight) {
  const EditOutcome outcome =
      add(flat({0, 0, 0, 255}), {{"text", "I"}, {"size", 200}, {"color", "white"}, {"opacity", 0.5}});
  cv::Mat red;
  cv::extractChannel(outcome.render.state.image.mat(), red, 0);
  double high = 0;
  cv::minMaxLoc(red, nullptr, &high);
  // Half the light of white is sRGB 188, not 128 (what blending the encoded values would give).
  EXPECT_NEAR(high, 188, 1);
}

TEST(TextAdd, LightingFollowsTheSurfaceUnderTheText) {
  // A surface lit from the right: dark on the left, bright on the right.
  cv::Mat ramp(200, 600, CV_8UC4);
  for (int x = 0; x < ramp.cols; ++x)
    ramp.col(x).setTo(cv::Scalar(40 + x * 180 / 600, 40 + x * 180 / 600, 40 + x * 180 / 600, 255));
  const auto brightest_red = [](const Image& image, int x0, int x1) {
    cv::Mat red;
    cv::extractChannel(image.mat().colRange(x0, x1), red, 0);
    double high = 0;
    cv::minMaxLoc(red, nullptr, &high);
    return high;
  };
  const json params = {{"text", "HHHHHHHHHH"}, {"size", 60}, {"color", "white"}};
  const Image flat_text = add(Image(ramp), params).render.state.image;
  EXPECT_EQ(brightest_red(flat_text, 0, 200), brightest_red(flat_text, 400, 600));
  json lit = params;
  lit["lighting"] = 1;
  const EditOutcome outcome = add(Image(ramp), lit);
  EXPECT_LT(brightest_red(outcome.render.state.image, 0, 200) + 40,
            brightest_red(outcome.render.state.image, 400, 600));
  // The glyphs are drawn right; in the output, fully lit letters on the darkest end of the ramp can be too
  // dim for OCR, and the output check says so rather than passing them.
  EXPECT_TRUE(outcome.text.front().spelling_match.value_or(false)) << to_json(outcome.text.front()).dump(1);
}

TEST(TextAdd, TextOnATiltedQuadStaysInsideItAndReadsBack) {
  const Image coffee = test::load_photo("coffee.png");
  const json quad = {0.2, 0.1, 0.8, 0.2, 0.8, 0.4, 0.2, 0.35};
  // Navy over the cup's rim, the coffee and the wood falls below the minimum contrast somewhere, and a
  // quad gets no automatic backing: the step asks to place it anyway.
  const EditOutcome outcome = add(
      coffee,
      {{"text", "TILTED LABEL"}, {"quad", quad}, {"color", "navy"}, {"lighting", 0.5}, {"allow_low_contrast", true}});
  // The output reads it; below the minimum at its faintest, it is "accepted" (placed so on purpose), not failed.
  const TextCheck& check = outcome.text.front();
  EXPECT_EQ(check.read.value_or(""), "TILTED LABEL") << check.note;
  EXPECT_EQ(check.status,
            check.layer->contrast_ratio_p5 >= kMinContrastRatio ? TextStatus::passed : TextStatus::accepted)
      << check.note;
  const cv::Rect quad_bounds(120, 40, 360, 120);  // 0.2..0.8 of 600 wide, 0.1..0.4 of 400 high
  const cv::Rect edited = cv::boundingRect(outcome.render.state.edited);
  EXPECT_FALSE(edited.empty());
  EXPECT_EQ(edited & quad_bounds, edited);
  // The left side of the quad is taller (100 px against 80), so the text is taller there.
  cv::Mat difference, changed;
  cv::absdiff(coffee.mat(), outcome.render.state.image.mat(), difference);
  cv::transform(difference, changed, cv::Matx14f(1, 1, 1, 1));
  const int left_height = cv::boundingRect(changed.colRange(150, 250)).height;
  const int right_height = cv::boundingRect(changed.colRange(350, 450)).height;
  EXPECT_GT(left_height, right_height);
  EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);
  EXPECT_THROW(
      validate_params(text_add(), {{"text", "x"}, {"quad", {0.2, 0.1, 0.8, 0.4, 0.8, 0.2, 0.2, 0.35}}}, "test"), Error);
  EXPECT_THROW(validate_params(text_add(), {{"text", "x"}, {"quad", {0.2, 0.1, 0.8}}}, "test"), Error);
}

TEST(TextAdd, ColourEmojiAreDrawnInColour) {
  const EditOutcome outcome =
      add(flat({255, 255, 255, 255}), {{"text", "😀"}, {"font", "emoji"}, {"size", 80}, {"color", "black"}});
  const TextLayer& layer = *outcome.text.front().layer;
  EXPECT_EQ(layer.fonts.front(), "Noto Color Emoji Regular");
  EXPECT_TRUE(layer.missing.empty());
  EXPECT_GT(layer.box.width, 50);
  // The yellow face, not a black silhouette in the text colour.
  cv::Mat rgb, hsv, saturation;
  cv::cvtColor(outcome.render.state.image.mat(), rgb, cv::COLOR_RGBA2RGB);
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  cv::extractChannel(hsv, saturation, 1);
  EXPECT_GT(cv::countNonZero(saturation > 150), 1000);
  // In text set in another font, emoji come from the colour font too.
  const EditOutcome mixed = add(flat({255, 255, 255, 255}), {{"text", "Hi 😀"}, {"size", 60}});
  EXPECT_EQ(mixed.text.front().layer->fonts.back(), "Noto Color Emoji Regular");
}

TEST(TextAdd, AlignmentPlacesTheTextInsideTheRegion) {
  const Image black = flat({0, 0, 0, 255});
  const auto box_of = [&](const char* region, const char* align) {
    return add(black, {{"text", "Hi"}, {"size", 40}, {"align", align}}, {{"region", region}}).text.front().layer->box;
  };
  const cv::Rect left = box_of("top-left", "left"), right = box_of("bottom-right", "right");
  EXPECT_LT(left.x, 20);
  EXPECT_LT(left.br().y, 100);
  EXPECT_GT(right.br().x, 380);
  EXPECT_GT(right.y, 100);
}

TEST(TextAdd, OutlineShadowAndBadgeStayNearTheText) {
  const Image coffee = test::load_photo("coffee.png");
  const EditOutcome outcome =
      add(coffee, {{"text", "Morning Blend"}, {"size", 48}, {"outline", 3}, {"shadow", 4}, {"box_color", "#ffffffc0"}},
          {{"region", "top"}});
  const TextLayer& layer = *outcome.text.front().layer;
  const cv::Rect edited = cv::boundingRect(outcome.render.state.edited);
  const int reach = static_cast<int>(0.3 * 48 + 4 + 6) + 3;
  EXPECT_EQ(edited & cv::Rect(layer.box.x - reach, layer.box.y - reach, layer.box.width + 2 * reach,
                              layer.box.height + 2 * reach),
            edited);
  EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);
  EXPECT_TRUE(outcome.text.front().match.value_or(false));
}

TEST(TextAdd, MissingGlyphsAndUnreadableScriptsAreReportedNotHidden) {
  const Image black = flat({0, 0, 0, 255});
  const EditOutcome missing = add(black, {{"text", "ok \U0010FFFD"}, {"size", 40}});
  EXPECT_EQ(missing.text.front().layer->missing, "\U0010FFFD");
  const json report = build_report(black, EditPlan{}, missing, json::object());
  EXPECT_EQ(report["verification"]["text"][0]["missing_glyphs"], "\U0010FFFD");
  EXPECT_NE(report["verification"]["text"][0]["note"].get<std::string>().find("no installed font"), std::string::npos);

  const EditOutcome hindi = add(black, {{"text", "नमस्ते"}, {"size", 40}});
  EXPECT_FALSE(hindi.text.front().match.has_value());
  EXPECT_NE(hindi.text.front().note.find("no OCR model for the script of U+0928"), std::string::npos)
      << hindi.text.front().note;
  EXPECT_GE(hindi.text.front().layer->box.area(), 100);

  const EditOutcome emoji = add(black, {{"text", "Sale 🎉"}, {"size", 40}});
  EXPECT_FALSE(emoji.text.front().match.has_value());
  EXPECT_NE(emoji.text.front().note.find("emoji such as U+1F389"), std::string::npos) << emoji.text.front().note;
}

struct ScriptSample {
  const char* name;
  const char* text;
};

class NonLatinReadBack : public ::testing::TestWithParam<ScriptSample> {};

TEST_P(NonLatinReadBack, IsReadWithItsScriptsOwnOcrModel) {
  const EditOutcome outcome =
      add(flat({250, 246, 238, 255}, {640, 200}), {{"text", GetParam().text}, {"size", 56}, {"color", "#202020"}});
  const TextCheck& check = outcome.text.front();
  ASSERT_TRUE(check.match.has_value()) << check.note;
  EXPECT_TRUE(*check.match) << "expected \"" << check.expected << "\", read \"" << check.read.value_or("") << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, NonLatinReadBack,
    ::testing::Values(ScriptSample{"Greek", "Καλημέρα κόσμε"}, ScriptSample{"Cyrillic", "Доброе утро"},
                      ScriptSample{"Arabic", "مرحبا بالعالم"}, ScriptSample{"Hebrew", "שלום עולם"},
                      ScriptSample{"Chinese", "早上好"}, ScriptSample{"Japanese", "おはようございます"},
                      ScriptSample{"Korean", "안녕하세요"}, ScriptSample{"ArabicPrice", "السعر 450"},
                      ScriptSample{"CyrillicPrice", "Цена: 450 руб."}),
    [](const auto& sample) { return std::string(sample.param.name); });

TEST(TextAdd, TextPlacedBelowEarlierTextSitsUnderItAndIsSmaller) {
  const auto& spec = text_add();
  const PlanStep title{"text.add", validate_target({{"region", "top"}}, spec, "test"),
                       validate_params(spec, {{"text", "Summer Sale"}, {"font", "bold serif"}}, "test"), "test"};
  const PlanStep subtitle{"text.add", validate_target({{"below", "Summer Sale"}}, spec, "test"),
                          validate_params(spec, {{"text", "50% off"}}, "test"), "test"};
  ResultCache cache;
  const EditOutcome outcome = run_edit(test::load_photo("coffee.png"), {title, subtitle}, cache, test::run_context());
  ASSERT_EQ(outcome.text.size(), 2u);
  const TextLayer& above = *outcome.text[0].layer;
  const TextLayer& below = *outcome.text[1].layer;
  EXPECT_TRUE(outcome.text[1].match.value_or(false)) << outcome.text[1].read.value_or("");
  EXPECT_GE(below.box.y, above.box.br().y);
  EXPECT_LT(below.box.y - above.box.br().y, above.box.height);
  EXPECT_LT(below.size_px, above.size_px);
  EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);

  const PlanStep orphan{"text.add", validate_target({{"below", "Nowhere"}}, spec, "test"),
                        validate_params(spec, {{"text", "x"}}, "test"), "test"};
  try {
    run_edit(test::load_photo("coffee.png"), {orphan}, cache);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::plan);
    EXPECT_NE(std::string(error.what()).find("no earlier step adds the text \"Nowhere\""), std::string::npos)
        << error.what();
  }
}

TEST(TextAdd, ReportListsExpectedReadAndMatch) {
  const Image chelsea = test::load_photo("chelsea.png");
  const EditOutcome outcome = add(chelsea, {{"text", "Chelsea © 2024"}, {"size", 36}});
  const json report = build_report(chelsea, EditPlan{}, outcome, json::object());
  const json& entry = report["verification"]["text"][0];
  EXPECT_EQ(entry["expected"], "Chelsea © 2024");
  EXPECT_EQ(entry["read"], "Chelsea © 2024");
  EXPECT_EQ(entry["match"], true);
  EXPECT_GT(entry["legibility"]["contrast_ratio"].get<double>(), 1);
}

}  // namespace
}  // namespace easel
