// The document's disk cache: a state read back is the state stored (pixels, edited mask, text layers),
// and a damaged entry is recomputed, never trusted or crashed on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "easel/run/result_cache.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {
namespace fs = std::filesystem;

RenderState state_with_text() {
  RenderState state = initial_state(test::load_photo("coffee.png"));
  TextLayer layer;
  layer.text = "Morning Blend";
  layer.coverage = cv::Mat(40, 220, CV_8U);
  cv::randu(layer.coverage, 0, 256);
  layer.box = cv::Rect(30, 20, 220, 40);
  layer.size_px = 32.5;
  layer.line_count = 1;
  layer.line_boxes = {cv::Rect(0, 0, 220, 40)};
  layer.fonts = {"DejaVu Serif Bold"};
  layer.contrast_ratio = 7.25;
  layer.contrast_ratio_p5 = 3.5;
  layer.to_image = cv::Matx33d(0.5, 0, 30, 0, 0.5, 20, 0, 0, 1);  // placed, then resized
  layer.layout = {{"placement", "clear space in the top-left of the area"}};
  layer.later_changes = {"step 2 (image.resize) resampled it"};
  layer.superseded = "replaced by \"Evening Blend\" in step 3 (text.replace)";
  state.edited(layer.box).setTo(255);
  state.text_layers.push_back(layer);
  return state;
}

TEST(ResultCache, AStateReadFromDiskKeepsItsTextLayers) {
  const fs::path folder = test::temp_dir() / "cache";
  const RenderState stored = state_with_text();
  ResultCache(folder).store("entry", stored);

  const auto read = ResultCache(folder).find("entry");  // a new cache: nothing in memory
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(bit_identical(read->image, stored.image));
  EXPECT_EQ(cv::countNonZero(read->edited != stored.edited), 0);
  ASSERT_EQ(read->text_layers.size(), 1u);
  const TextLayer& layer = read->text_layers[0];
  EXPECT_EQ(layer.text, "Morning Blend");
  EXPECT_EQ(layer.box, stored.text_layers[0].box);
  EXPECT_EQ(cv::countNonZero(layer.coverage != stored.text_layers[0].coverage), 0);
  EXPECT_EQ(layer.line_boxes, stored.text_layers[0].line_boxes);
  EXPECT_EQ(layer.fonts, stored.text_layers[0].fonts);
  EXPECT_DOUBLE_EQ(layer.size_px, 32.5);
  EXPECT_DOUBLE_EQ(layer.contrast_ratio_p5, 3.5);
  EXPECT_EQ(cv::norm(cv::Mat(layer.to_image), cv::Mat(stored.text_layers[0].to_image)), 0);
  EXPECT_EQ(layer.layout, stored.text_layers[0].layout);
  EXPECT_EQ(layer.later_changes, stored.text_layers[0].later_changes);
  EXPECT_EQ(layer.superseded, stored.text_layers[0].superseded);
}

TEST(ResultCache, ATruncatedOrGarbledEntryIsAMiss) {
  const fs::path folder = test::temp_dir() / "cache";
  ResultCache(folder).store("entry", state_with_text());
  const auto size = fs::file_size(folder / "entry");

  fs::resize_file(folder / "entry", size - 100);  // part of the last layer's glyphs lost
  EXPECT_FALSE(ResultCache(folder).find("entry").has_value());

  fs::remove(folder / "entry");
  ResultCache(folder).store("entry", state_with_text());
  {
    std::fstream file(folder / "entry", std::ios::in | std::ios::out | std::ios::binary);
    const auto facts_start = static_cast<std::streamoff>(32 + 600 * 400 * 5 + 8);  // header, pixels, length
    file.seekp(facts_start);
    file.write("}}}}", 4);
  }
  EXPECT_FALSE(ResultCache(folder).find("entry").has_value());
}

}  // namespace
}  // namespace easel
