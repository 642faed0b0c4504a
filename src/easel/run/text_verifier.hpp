#pragma once
// Reads back every string Easel typeset (DESIGN §5, verification.text) in the output itself: each text
// layer's glyph box is followed through every later step (crops, expansions and resizes move it; later
// text, colour steps and fills change the pixels there) and OCR reads the output's pixels in it. A
// string passes when the output reads it exactly and it is legible there (kMinContrastRatio). The glyph
// layer alone is read too, as a separate spelling check of what was drawn.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/image/image.hpp"
#include "easel/typeset/text_layer.hpp"

namespace easel {

enum class TextStatus {
  passed,      // the output reads the string, legibly
  failed,      // it does not: cut off, covered, illegible, misspelt
  superseded,  // a later step replaced or removed it on purpose, and the output no longer reads it
  accepted,    // below the minimum contrast in the output, placed so because the step set allow_low_contrast
  unverified,  // OCR cannot read its script or symbols; `note` says why
};

struct TextCheck {
  std::string expected;
  std::optional<std::string> read;  // what OCR read in the output where the text lies
  std::optional<bool> match;        // absent when not verified; `note` says why
  TextStatus status = TextStatus::unverified;
  std::string note;
  // The glyph layer alone, read as drawn: did Easel draw the right letters?
  std::optional<std::string> spelling_read;
  std::optional<bool> spelling_match;
  double visible_share = 0;  // share of the glyphs' ink that lies inside the output
  // The WCAG ratio legibility is judged by: the placement's (5th percentile of the glyph pixels against
  // what lay under them) while no later step changed pixels in the text's box, else the output's
  // letters against a ring of pixels around them.
  std::optional<double> output_contrast;
  std::optional<TextLayer> layer;  // what was typeset
};

struct TextVerification {
  std::vector<TextCheck> checks;  // one per string typeset, in step order
  bool ok = true;                 // no check failed (superseded, accepted and unverified strings do not fail)
};

// Exact match after collapsing runs of white space (line breaks are layout, not spelling).
bool text_matches(const std::string& expected, const std::string& read);

// OCR of one glyph layer alone with the script `models` ("Latin", "Hebrew+Latin", …): the glyphs in
// black on white, scaled so letters are the size Tesseract reads best.
std::string read_back(const TextLayer& layer, const std::string& models);

// Every layer read back in `output`, the final image (the file the user gets, decoded), with `layers`
// as the render's final state carries them (moved through every later canvas step).
TextVerification verify_output_text(const Image& output, const std::vector<TextLayer>& layers);

const char* status_name(TextStatus status);
nlohmann::json to_json(const TextCheck& check);
// One line per check that failed or could not be verified, for stderr or an API message.
std::vector<std::string> text_problems(const TextVerification& verification);

}  // namespace easel
