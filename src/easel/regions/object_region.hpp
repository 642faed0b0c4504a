#pragma once
// Connected-component regions: "the object on the left", "the red object at the bottom".
//
//   {"object": "left"}                                        the largest salient object in the left half
//   {"object": {"where": "left", "color": "red", "tolerance": 20}}   the largest red blob in the left half
//
// `where` is any spatial region name ("all", "left", "top-right", "center-third", …; default "all").
// Candidate pixels are the colour range of `color` when given (regions/color_range.hpp), otherwise the
// salient pixels (OpenCV contrib's fine-grained static saliency, Otsu-thresholded). Candidates are closed
// morphologically, split into 8-connected components, and the component with the most pixels inside
// `where` is chosen — whole, even where it reaches outside `where` (a motorcycle "on the left" keeps its
// front wheel). A salient component is then snapped to the object's edges with GrabCut (saliency maps are
// coarse). Holes are filled. An optional top-level "feather" fades it inwards.
#include <string>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"
#include "easel/ops/param.hpp"
#include "easel/ops/run_context.hpp"

namespace easel {

// Checks the value of an "object" key; returns it in the long form with defaults filled in. Throws
// Error(plan) naming `where_in_plan`.
json validate_object_target(const json& value, const std::string& where_in_plan);

// The chosen component as a weight mask (CV_32F, 0 or 1, inward-feathered if asked). Throws Error(plan)
// when no candidate pixel lies in `where`.
cv::Mat object_region_weight(const json& target, const Image& image, const std::string& where_in_plan,
                             const RunContext& context);

}  // namespace easel
