#pragma once
// What the report and the doors say about the segmenter behind subject/background steps
// (docs/segmentation.md, "Warnings"): which engine decided the subject, whether it was the classical
// fallback, how sure it was, and how to get a network.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/run/executor.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel {

// The report's verification.segmentation: {engine, fallback, steps (1-based), and for the fallback
// confidence, minimum_confidence, low_confidence, concern, advice}. Null when no step segmented.
nlohmann::json segmentation_verification(const std::vector<StepRecord>& steps);

// The line a person must see when the fallback decided a subject (the CLI prints it on stderr after
// "easel: "); nullopt when a network did or nothing was segmented.
std::optional<std::string> segmentation_warning(const std::vector<StepRecord>& steps);

}  // namespace easel
