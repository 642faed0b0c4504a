// Text slant: measured on typeset italics it is the lean their font declares, and text.replace leans an
// upright replacement like the slanted word it replaces.
#include <gtest/gtest.h>

#include <cmath>

#include <freetype/tttables.h>

#include "easel/typeset/font_cache.hpp"
#include "easel/regions/region.hpp"
#include "easel/typeset/typeset.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/vision/text_slant.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

// The lean a font declares (PostScript italicAngle, negative for right-leaning), as a positive angle.
double declared_lean(const FontRequest& request) {
  const LoadedFont& font = load_font(match_font(request).face);
  const auto* post = static_cast<const TT_Postscript*>(FT_Get_Sfnt_Table(font.ft_face, FT_SFNT_POST));
  return post ? -static_cast<double>(post->italicAngle) / 65536.0 : 0;
}

double measured_lean(const std::string& text, const FontRequest& request) {
  TextStyle style;
  style.font = request;
  style.size_px = 72;
  const TypesetText typeset_text = typeset(text, style, {1200, 200});
  return measure_slant_degrees(typeset_text.coverage(typeset_text.ink) > 64);
}

TEST(TextSlant, ItalicsMeasureTheLeanTheirFontDeclares) {
  for (const char* family : {"DejaVu Sans", "DejaVu Serif", "Liberation Sans", "Nimbus Sans", "C059"}) {
    const FontRequest italic{family, "auto", true};
    const double declared = declared_lean(italic);
    ASSERT_GT(declared, 5) << family;
    EXPECT_NEAR(measured_lean("Hamburgefonstiv HILL", italic), declared, 1.5) << family;
    EXPECT_NEAR(measured_lean("Hamburgefonstiv HILL", FontRequest{family}), 0, 1) << family;
  }
}

PlanStep step(const std::string& op, const json& params, const json& target = {{"region", "all"}}) {
  const auto& spec = registry().get(op);
  return {op, validate_target(target, spec, "test"), validate_params(spec, params, "test"), "test"};
}

TEST(TextSlant, AnUprightReplacementLeansLikeTheSlantedWordItReplaces) {
  const FontRequest italic{"DejaVu Sans", "bold", true};
  ResultCache cache;
  const EditOutcome outcome =
      run_edit(test::load_photo("coffee.png"),
               {step("text.add",
                     {{"text", "OPEN"},
                      {"font", "DejaVu Sans bold italic"},
                      {"size", 64},
                      {"color", "#202020"},
                      {"box_color", "#ffffffe0"}},
                     {{"region", "top"}}),
                step("text.replace", {{"find", "OPEN"}, {"replace", "HILL TIME"}, {"font", "DejaVu Sans bold"}})},
               cache);
  ASSERT_EQ(outcome.text.size(), 2u);
  const TextCheck& replaced = outcome.text[1];
  EXPECT_TRUE(replaced.match.value_or(false)) << replaced.read.value_or("");
  const double original = measure_slant_degrees(outcome.text[0].layer->coverage > 64);
  EXPECT_NEAR(original, declared_lean(italic), 1.5);
  EXPECT_NEAR(measure_slant_degrees(replaced.layer->coverage > 64), original, 2);
  EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);
}

}  // namespace
}  // namespace easel
