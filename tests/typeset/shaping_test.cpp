// Shaping of non-Latin scripts: Easel's line shaper must give exactly HarfBuzz's own glyphs, clusters and
// advances for single-script text, and put right-to-left runs and embedded numbers in visual order.
#include <gtest/gtest.h>

#include <hb.h>

#include "easel/typeset/text_shaping.hpp"

namespace easel {
namespace {

struct ReferenceGlyph {
  unsigned glyph, cluster;
  double x_em;
};

// HarfBuzz on its own: one buffer, properties guessed from the text.
std::vector<ReferenceGlyph> harfbuzz_reference(const LoadedFont& font, const std::string& text) {
  hb_buffer_t* buffer = hb_buffer_create();
  hb_buffer_add_utf8(buffer, text.c_str(), static_cast<int>(text.size()), 0, static_cast<int>(text.size()));
  hb_buffer_guess_segment_properties(buffer);
  hb_shape(font.hb_font, buffer, nullptr, 0);
  unsigned count = 0;
  const hb_glyph_info_t* infos = hb_buffer_get_glyph_infos(buffer, &count);
  const hb_glyph_position_t* positions = hb_buffer_get_glyph_positions(buffer, &count);
  std::vector<ReferenceGlyph> glyphs;
  double pen = 0;
  for (unsigned i = 0; i < count; ++i) {
    glyphs.push_back({infos[i].codepoint, infos[i].cluster, (pen + positions[i].x_offset) / font.units_per_em});
    pen += positions[i].x_advance;
  }
  hb_buffer_destroy(buffer);
  return glyphs;
}

struct ScriptCase {
  const char* name;
  const char* text;
  bool right_to_left;
};

class SingleScript : public ::testing::TestWithParam<ScriptCase> {};

TEST_P(SingleScript, MatchesHarfBuzzGlyphForGlyph) {
  const ScriptCase& sample = GetParam();
  FontChain fonts(FontRequest{"sans"});
  std::vector<char32_t> missing;
  const ShapedLine line = shape_line(sample.text, fonts, 0, missing);
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(line.right_to_left, sample.right_to_left);
  ASSERT_FALSE(line.glyphs.empty());
  const LoadedFont& font = *line.glyphs.front().font;
  const auto reference = harfbuzz_reference(font, sample.text);
  ASSERT_EQ(line.glyphs.size(), reference.size()) << sample.name << " in " << font.face.family;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    EXPECT_EQ(line.glyphs[i].font, &font) << sample.name << " glyph " << i;
    EXPECT_EQ(line.glyphs[i].glyph, reference[i].glyph) << sample.name << " glyph " << i;
    EXPECT_EQ(line.glyphs[i].cluster, reference[i].cluster) << sample.name << " glyph " << i;
    EXPECT_NEAR(line.glyphs[i].x_em, reference[i].x_em, 1e-9) << sample.name << " glyph " << i;
  }
  // Visual order: clusters rise left to right for LTR scripts and fall for RTL ones.
  for (std::size_t i = 1; i < line.glyphs.size(); ++i) {
    if (sample.right_to_left)
      EXPECT_LE(line.glyphs[i].cluster, line.glyphs[i - 1].cluster) << sample.name;
    else
      EXPECT_GE(line.glyphs[i].cluster, line.glyphs[i - 1].cluster) << sample.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, SingleScript,
    ::testing::Values(ScriptCase{"Arabic", "مرحبا بالعالم", true}, ScriptCase{"Hebrew", "שלום עולם", true},
                      ScriptCase{"Greek", "Καλημέρα κόσμε", false}, ScriptCase{"Cyrillic", "Привет, мир", false},
                      ScriptCase{"Chinese", "你好世界", false}, ScriptCase{"Japanese", "日本語のテキスト", false},
                      ScriptCase{"Korean", "안녕하세요", false}, ScriptCase{"Latin", "Ŧhé qüick fox", false}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(Shaping, ArabicLettersTakeTheirJoiningForms) {
  FontChain fonts(FontRequest{"sans"});
  std::vector<char32_t> missing;
  // The same letter (beh) alone and inside a word: shaping must pick different glyphs for the joined forms.
  const ShapedLine alone = shape_line("ب", fonts, 0, missing);
  const ShapedLine joined = shape_line("ببب", fonts, 0, missing);
  ASSERT_EQ(alone.glyphs.size(), 1u);
  ASSERT_EQ(joined.glyphs.size(), 3u);
  EXPECT_NE(joined.glyphs[1].glyph, alone.glyphs[0].glyph);
}

std::vector<unsigned> clusters(const ShapedLine& line) {
  std::vector<unsigned> result;
  for (const auto& glyph : line.glyphs) result.push_back(glyph.cluster);
  return result;
}

TEST(Shaping, HebrewInsideEnglishIsReversedAsARun) {
  FontChain fonts(FontRequest{"sans"});
  std::vector<char32_t> missing;
  // "ab " (bytes 0-2), then two Hebrew letters (bytes 3-4, 5-6), then " cd" (bytes 7-9).
  const ShapedLine line = shape_line("ab של cd", fonts, 0, missing);
  EXPECT_FALSE(line.right_to_left);
  EXPECT_EQ(clusters(line), (std::vector<unsigned>{0, 1, 2, 5, 3, 7, 8, 9}));
}

TEST(Shaping, NumbersInsideHebrewStayLeftToRight) {
  FontChain fonts(FontRequest{"sans"});
  std::vector<char32_t> missing;
  // Two Hebrew letters (bytes 0-1, 2-3), a space (4), then "123" (5-7): read right to left, the number
  // comes last, so it sits at the left, its digits in their own order.
  const ShapedLine line = shape_line("של 123", fonts, 0, missing);
  EXPECT_TRUE(line.right_to_left);
  EXPECT_EQ(clusters(line), (std::vector<unsigned>{5, 6, 7, 4, 2, 0}));
}

TEST(Shaping, BracketsTakeTheDirectionOfWhatTheyEnclose) {
  FontChain fonts(FontRequest{"sans"});
  std::vector<char32_t> missing;
  // "ab " (bytes 0-2), ש (3-4), "(" (5), ל (6-7), ")" (8), " cd" (9-11). Both brackets enclose and follow
  // Hebrew, so the pair belongs to the right-to-left run (paired-bracket rule N0), closing bracket included.
  const ShapedLine line = shape_line("ab ש(ל) cd", fonts, 0, missing);
  EXPECT_FALSE(line.right_to_left);
  EXPECT_EQ(clusters(line), (std::vector<unsigned>{0, 1, 2, 8, 6, 5, 3, 9, 10, 11}));
}

TEST(Shaping, ARightToLeftMarkMakesTheLineRightToLeft) {
  FontChain fonts(FontRequest{"sans"});
  std::vector<char32_t> missing;
  // U+200F RIGHT-TO-LEFT MARK (bytes 0-2) then "Hello!" (3-8): the paragraph reads right to left, so the
  // trailing "!" is drawn at the left end of the line.
  const ShapedLine line = shape_line("\u200FHello!", fonts, 0, missing);
  EXPECT_TRUE(line.right_to_left);
  ASSERT_FALSE(line.glyphs.empty());
  EXPECT_EQ(line.glyphs.front().cluster, 8u);
}

TEST(Shaping, CharactersTheFontLacksComeFromAFallbackFont) {
  FontChain fonts(FontRequest{"Liberation Serif"});
  std::vector<char32_t> missing;
  const ShapedLine line = shape_line("Tea 茶", fonts, 0, missing);
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(line.glyphs.front().font, &fonts.primary());
  EXPECT_NE(line.glyphs.back().font, &fonts.primary());
  EXPECT_NE(line.glyphs.back().glyph, 0u);  // not .notdef
  EXPECT_GE(fonts.used_names().size(), 2u);
}

TEST(Shaping, CharactersNoFontHasAreReported) {
  FontChain fonts(FontRequest{"sans"});
  std::vector<char32_t> missing;
  shape_line("ok \U0010FFFD", fonts, 0, missing);
  EXPECT_EQ(missing, (std::vector<char32_t>{0x10FFFD}));
}

}  // namespace
}  // namespace easel
