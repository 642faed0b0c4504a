#include "easel/run/segmentation_report.hpp"

#include <cstdio>

namespace easel {
namespace {

struct Segmented {
  SegmentationNote note;           // the least trusted one
  std::vector<std::size_t> steps;  // 1-based
  std::vector<std::string> ops;
};

std::optional<Segmented> segmented_steps(const std::vector<StepRecord>& steps) {
  std::optional<Segmented> found;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].segmentation) continue;
    const SegmentationNote& note = *steps[i].segmentation;
    if (!found) found = Segmented{note, {}, {}};
    if (note.trust() < found->note.trust()) found->note = note;
    found->steps.push_back(i + 1);
    found->ops.push_back(steps[i].op);
  }
  return found;
}

std::string two_decimals(double value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

std::string advice() {
  return std::string("install a segmentation model: ") + kSegmentationModelCommand + " (U²-Net-p, 4.6 MB, Apache-2.0)";
}

}  // namespace

nlohmann::json segmentation_verification(const std::vector<StepRecord>& steps) {
  const auto segmented = segmented_steps(steps);
  if (!segmented) return nullptr;
  const SegmentationNote& note = segmented->note;
  nlohmann::json result = {{"engine", note.engine}, {"fallback", note.fallback()}, {"steps", segmented->steps}};
  if (note.fallback()) {
    result["confidence"] = note.confidence ? nlohmann::json(*note.confidence) : nlohmann::json();
    result["minimum_confidence"] = kFallbackMinimumConfidence;
    result["low_confidence"] = note.low_confidence();
    result["concern"] = note.concern;
    result["advice"] = advice();
  }
  return result;
}

std::optional<std::string> segmentation_warning(const std::vector<StepRecord>& steps) {
  const auto segmented = segmented_steps(steps);
  if (!segmented || !segmented->note.fallback()) return std::nullopt;
  const SegmentationNote& note = segmented->note;
  std::string which;
  for (std::size_t i = 0; i < segmented->steps.size(); ++i) {
    which += (i == 0 ? "" : ", ") + std::to_string(segmented->steps[i]) + " (" + segmented->ops[i] + ")";
  }
  const std::string confidence = note.confidence ? two_decimals(*note.confidence) : "unknown";
  std::string line = "warning: no segmentation model ran; the classical fallback guessed the subject for step" +
                     std::string(segmented->steps.size() > 1 ? "s " : " ") + which + " with confidence " + confidence;
  line += note.low_confidence() ? " (LOW, below " + two_decimals(kFallbackMinimumConfidence) + ": " + note.concern +
                                      "): parts of the subject were probably edited as background or the reverse"
                                : " (" + note.concern + ")";
  return line + "; " + advice();
}

}  // namespace easel
