// Clauses Easel understands but has no operation for: each is listed as unsupported with the reason.
#include "easel/plan/clause_rule_families.hpp"

#include <regex>
#include <utility>
#include <vector>

namespace easel::rules {

std::optional<ClauseOutcome> known_unsupported_rule(const ClauseView& view) {
  static const std::vector<std::pair<std::regex, std::string>> reasons{
      {std::regex("\\b(rotate(?! (the )?hues?)|rotated|turn (it )?(upside down|sideways|90|180)|straighten|level the "
                  "horizon|tilt)\\b"),
       "rotating or straightening is not an operation in Easel yet; crop or resize instead"},
      {std::regex("\\b(flip|mirror|mirrored)\\b"), "flipping or mirroring is not an operation in Easel yet"},
      {std::regex("\\b(animate|animated|animation|video|gif|movie|motion)\\b"),
       "Easel edits still images; it cannot make video or animation"},
      {std::regex("\\b(undo|revert|go back)\\b"),
       "to undo a round, run `easel undo` on the document (edit with --save first)"},
      {std::regex(
           "\\b(send|email|e-mail|upload|share|publish|tweet) (it|this|the)\\b|^(send|email|upload|share|publish)\\b"),
       "Easel makes the image; sending or publishing it is up to you"},
      {std::regex("\\b(border|frame|framed)\\b"),
       "borders and frames are not operations in Easel yet; "
       "\"extend the canvas to 4:5 with white\" adds plain margins"},
      {std::regex("\\b(denoise|de-noise|noise|noisy|grain|grainy)\\b"),
       "noise reduction and film grain are not operations in Easel yet"},
      {std::regex("\\bred[- ]?eyes?\\b"), "red-eye removal is not an operation in Easel yet"},
      {std::regex("^(please )?(add|put|place|insert|paste) (our|my|the|a|your|their) ?(company )?logo\\b"),
       "placing a logo or another picture on the image is not an operation in Easel yet; text can be added (add the "
       "text \"…\")"},
      {std::regex("\\bhighlights?\\b"),
       "Easel changes tones as a whole (brightness, contrast, gamma, exposure); it cannot yet change only the "
       "highlights"},
      {std::regex("\\b(perspective|keystone|distortion|lens correction)\\b"),
       "perspective and lens correction are not operations in Easel yet"},
      {std::regex("\\b(save|export|convert) (it |this )?(as|to) (a "
                  ")?(png|jpe?g|webp|pdf|svg|tiff?)\\b|\\b(pdf|svg|tiff?|psd)\\b"),
       "the file format is chosen by the output name or --format png|jpeg|webp, not by the instruction"},
  };
  for (const auto& [trigger, reason] : reasons) {
    if (std::regex_search(view.text(), trigger)) return not_done(view.clause, reason);
  }
  return std::nullopt;
}

std::optional<ClauseOutcome> region_blur_rule(const ClauseView& view) {
  if (!has(view.text(), "\\b(blur|blurry|blurred|pixelate|censor)\\b")) return std::nullopt;
  return not_done(
      view.clause,
      "Easel can blur only the background (\"blur the background\"); blurring another part is not an operation yet");
}

}  // namespace easel::rules
