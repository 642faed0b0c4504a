#pragma once
// Regions a step applies to (DESIGN §3) and their weight masks.
//
// A target is one of
//   {"region": "all" | "left" | "top-left" | "left-third" | … | "background" | "subject"}
//   {"box": [x, y, w, h]}             fractions of the image
//   {"mask": "file.png"}              white = edit (or, for a mask with transparency, alpha 0 = edit)
//   {"color": "#rrggbb" | "red", "tolerance": 20}   pixels within a CIELAB distance of that colour
//   {"text": "OPEN"}                  where OCR reads that text (typography engine)
//   {"object": "left"}                the largest salient or colour component there (regions/object_region.hpp)
// plus an optional "feather" in pixels. Feathering only ever fades inwards, so pixels outside the
// nominal region keep a weight of exactly zero and stay bit-identical.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"
#include "easel/ops/registry.hpp"

namespace easel {

// Checks a target's shape against what `op` accepts; returns the target with defaults filled in.
// Throws Error(plan) naming `where`.
json validate_target(const json& target, const OperationSpec& op, const std::string& where);

RegionKind region_kind_of(const json& target);
bool targets_whole_image(const json& target);

// Named spatial regions (no model needed) and the names that need segmentation.
const std::vector<std::string>& spatial_region_names();
const std::vector<std::string>& segmentation_region_names();

// The weight of each pixel, CV_32F in [0, 1], the image's size; subject/background targets use the
// context's segmenter. Throws Error(plan) for a mask of the wrong size and Error(capability) for kinds
// whose engine this build lacks.
cv::Mat resolve_region(const json& target, const Image& image, const std::string& where, const RunContext& context);

// input where weight is 0 (copied bit for bit), the edit where it is 1, blended in between.
Image blend_within(const Image& input, const Image& edited, const cv::Mat& weight);

}  // namespace easel
