// The acceptance measurement of issue 3: every corpus string typeset onto real photographs in several
// fonts and sizes, read back by OCR, and the pixels outside each text's box compared with the source.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <map>
#include <numeric>

#include <opencv2/imgproc.hpp>

#include "easel/regions/region.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/run/text_verifier.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"
#include "typeset/text_corpus.hpp"

namespace easel {
namespace {

const std::array<const char*, 5> kPhotos{"coffee.png", "chelsea.png", "astronaut.png", "motorcycle_left.png",
                                         "rocket.jpg"};
const std::array<const char*, 5> kFonts{"sans", "serif", "monospace", "bold sans", "Liberation Serif"};
const std::array<double, 6> kSizes{24, 28, 32, 40, 48, 64};
const std::array<const char*, 4> kVertical{"top", "middle", "bottom", "middle"};

// Looks of the text, cycled through the corpus: what lies under the glyphs changes, the glyphs do not.
json effects(std::size_t i) {
  switch (i % 6) {
    case 0:
      return json::object();
    case 1:
      return {{"outline", 2}};
    case 2:
      return {{"shadow", 3}};
    case 3:
      return {{"box_color", "#ffffffd0"}, {"color", "#202020"}};
    case 4:
      return {{"opacity", 0.85}, {"color", "white"}};
    default:
      return {{"color", "#ffcc00"}, {"outline", 1.5}, {"shadow", 2}};
  }
}

// How far a step's effects may reach beyond the glyphs (see text_composite.cpp); `backed`: Easel added a
// backing (0.25 em of padding) to reach the minimum contrast.
int effect_reach(const json& params, double size, bool backed) {
  const double outline = params.value("outline", 0.0);
  const double shadow = params.value("shadow", 0.0);
  const double box = params.contains("box_color") ? 0.3 * size : backed ? 0.25 * size : 0.0;
  return static_cast<int>(std::ceil(std::max(outline, box) + shadow + 3 * 0.5 * shadow)) + 2;
}

struct Tally {
  int read = 0, matched = 0, matched_in_output = 0;
};

TEST(OcrReadback, CorpusOnPhotographsReadsBackExactlyAndLeavesTheRestUntouched) {
  std::map<std::string, Image> photos;
  for (const char* name : kPhotos) photos[name] = test::load_photo(name);
  std::map<std::string, Tally> by_font;
  Tally total;
  const auto& corpus = test::typography_corpus();
  // Photo by photo (string i goes on photo i mod 5): text in the whole image is laid out around the
  // subject, and the segmenter keeps only a few recent masks.
  std::vector<std::size_t> order(corpus.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [](std::size_t a, std::size_t b) { return a % kPhotos.size() < b % kPhotos.size(); });
  for (const std::size_t i : order) {
    const std::string photo = kPhotos[i % kPhotos.size()];
    const std::string font = kFonts[(i / kPhotos.size() + i) % kFonts.size()];
    const double size = kSizes[i % kSizes.size()];
    json params = effects(i);
    params["text"] = corpus[i];
    params["font"] = font;
    params["size"] = size;
    params["valign"] = kVertical[i % kVertical.size()];
    const auto& spec = registry().get("text.add");
    const PlanStep step{"text.add", validate_target({{"region", "all"}}, spec, "test"),
                        validate_params(spec, params, "test"), "test"};
    ResultCache cache;
    const Image& source = photos[photo];
    const EditOutcome outcome = run_edit(source, {step}, cache, test::run_context());
    ASSERT_EQ(outcome.text.size(), 1u);
    const TextCheck& check = outcome.text.front();
    ASSERT_TRUE(check.layer.has_value());
    // Spelling: the glyph layer alone, as drawn.
    ASSERT_TRUE(check.spelling_match.has_value()) << corpus[i];
    ++total.read;
    ++by_font[font].read;
    if (*check.spelling_match) {
      ++total.matched;
      ++by_font[font].matched;
    } else {
      std::cout << "  mismatch [" << font << ", " << size << " px, " << photo << "]: expected \"" << check.expected
                << "\", read \"" << check.spelling_read.value_or("") << "\"\n";
    }
    // The same string read where it lies in the output (what the report gives): the photo around it,
    // any backing, its effects.
    const TextCheck& in_output = check;
    if (in_output.status == TextStatus::passed) {
      ++total.matched_in_output;
      ++by_font[font].matched_in_output;
    } else {
      std::cout << "  in the output [" << font << ", " << size << " px, " << photo << ", look " << i % 6
                << "]: expected \"" << in_output.expected << "\", read \"" << in_output.read.value_or("") << "\" ("
                << in_output.note << ")\n";
    }
    // Nothing outside the text's box and its effects' reach changed.
    const bool backed = check.layer->layout.value("color", std::string()).find("backing") != std::string::npos;
    const int reach = effect_reach(params, check.layer->size_px, backed);
    const cv::Rect allowed(check.layer->box.x - reach, check.layer->box.y - reach, check.layer->box.width + 2 * reach,
                           check.layer->box.height + 2 * reach);
    const cv::Rect edited = cv::boundingRect(outcome.render.state.edited);
    EXPECT_EQ(edited & allowed, edited) << corpus[i];
    EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u) << corpus[i];
    cv::Mat difference, any_channel;
    cv::absdiff(source.mat(), outcome.render.state.image.mat(), difference);
    cv::transform(difference, any_channel, cv::Matx14f(1, 1, 1, 1));
    const cv::Mat changed_outside = (any_channel > 0) & (outcome.render.state.edited == 0);
    EXPECT_EQ(cv::countNonZero(changed_outside), 0) << corpus[i];
  }
  const double rate = static_cast<double>(total.matched) / total.read;
  const double output_rate = static_cast<double>(total.matched_in_output) / total.read;
  std::cout << "OCR exact-match rate: glyph layers " << total.matched << "/" << total.read << " = " << 100 * rate
            << "%, in the output " << total.matched_in_output << "/" << total.read << " = " << 100 * output_rate
            << "%\n";
  for (const auto& [font, tally] : by_font) {
    std::cout << "  " << font << ": " << tally.matched << "/" << tally.read << ", in the output "
              << tally.matched_in_output << "\n";
  }
  EXPECT_GE(total.read, 100);
  EXPECT_GE(rate, 0.98);
  EXPECT_GE(output_rate, 0.95);
}

}  // namespace
}  // namespace easel
