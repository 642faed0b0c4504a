#pragma once
// How visible the boundary of an edited area is: the colour step between each edited pixel and its
// unedited 4-neighbour, in the result and — for the same pixel pairs — in the source. A seamless edit
// has a result step close to the source's (the image's own texture); a visible seam is a larger one.
#include <optional>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

struct SeamMeasure {
  long long boundary_pairs = 0;  // (edited, unedited) neighbour pairs
  double result_step = 0;        // mean |result(p) − result(q)| over the pairs and RGB channels, 0..255
  double source_step = 0;        // the same pixel pairs in the source
};

// `edited` is CV_8U, non-zero where the result may differ from the source. Empty when the images differ
// in size (a canvas change) or no pixel pair straddles the boundary.
std::optional<SeamMeasure> measure_seam(const Image& source, const Image& result, const cv::Mat& edited);

// {"boundary_pairs", "result_step", "source_step"} or null, for the report.
nlohmann::json seam_to_json(const std::optional<SeamMeasure>& seam);

}  // namespace easel
